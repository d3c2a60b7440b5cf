//! The National Housing Federation's "Together with Tenants" charter, as a
//! ready template: six commitments, each with what tenants can expect (in
//! our words) and the measures that show whether it is kept.
pub const TITLE: &str = "Together with Tenants";
pub const KEY: &str = "nhf-together-with-tenants";
pub const ABOUT: &str = "The National Housing Federation's charter: six commitments on how housing associations and their residents work together. Tenants oversee it, and a report on how the landlord is doing against each commitment is published every year.";

pub struct TemplateCommitment {
    pub title: &'static str,
    pub expectation: &'static str,
    pub measure_codes: &'static str,
}

pub const COMMITMENTS: &[TemplateCommitment] = &[
    TemplateCommitment {
        title: "Relationships",
        expectation: "You are treated with respect, and your views are valued.",
        measure_codes: "TP08, TP01",
    },
    TemplateCommitment {
        title: "Communication",
        expectation: "We give you clear, timely and accessible information about how we are doing and the decisions we make.",
        measure_codes: "TP07",
    },
    TemplateCommitment {
        title: "Voice and influence",
        expectation: "We listen to you, and you can shape decisions about your home and the services you get.",
        measure_codes: "TP06",
    },
    TemplateCommitment {
        title: "Accountability",
        expectation: "Our board is accountable to you. Tenants scrutinise how we are doing against this charter, and the results are published.",
        measure_codes: "TP01, TP06",
    },
    TemplateCommitment {
        title: "Quality",
        expectation: "Your home is good quality, well maintained and safe, and our services are good.",
        measure_codes: "TP04, TP05, RP01, RP02, BS01, BS02",
    },
    TemplateCommitment {
        title: "When things go wrong",
        expectation: "When something goes wrong we put it right promptly, and we learn from complaints.",
        measure_codes: "TP09, CH01, CH02",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::performance::catalogue::TSMS;

    #[test]
    fn six_commitments_linked_to_real_measures() {
        assert_eq!(COMMITMENTS.len(), 6);
        for commitment in COMMITMENTS {
            for code in commitment.measure_codes.split(", ") {
                assert!(
                    TSMS.iter().any(|m| m.code == code),
                    "{code} in {} is not a TSM",
                    commitment.title
                );
            }
        }
    }
}
