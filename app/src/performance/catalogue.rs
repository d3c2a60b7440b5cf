//! The 22 Tenant Satisfaction Measures set by the Regulator of Social
//! Housing, built in so every landlord reports them the same way. Local
//! measures a landlord adds itself live in the database beside these.
use super::model::{Direction, Unit};

pub struct BuiltInMeasure {
    pub code: &'static str,
    pub title: &'static str,
    /// What the measure counts, in plain words.
    pub about: &'static str,
    pub unit: Unit,
    pub direction: Direction,
    /// Perception measures come from a tenant survey; their results carry
    /// the number of responses.
    pub survey: bool,
    /// Sub-parts reported separately, as (key, label); empty when none.
    pub parts: &'static [(&'static str, &'static str)],
}

const fn survey(code: &'static str, title: &'static str, about: &'static str) -> BuiltInMeasure {
    BuiltInMeasure {
        code,
        title,
        about,
        unit: Unit::Percent,
        direction: Direction::HigherIsBetter,
        survey: true,
        parts: &[],
    }
}

const fn safety(code: &'static str, title: &'static str, about: &'static str) -> BuiltInMeasure {
    BuiltInMeasure {
        code,
        title,
        about,
        unit: Unit::Percent,
        direction: Direction::HigherIsBetter,
        survey: false,
        parts: &[],
    }
}

const STAGES: &[(&str, &str)] = &[("stage-1", "Stage 1"), ("stage-2", "Stage 2")];

pub const TSMS: &[BuiltInMeasure] = &[
    survey("TP01", "Overall satisfaction", "Tenants satisfied with the overall service from their landlord."),
    survey("TP02", "Satisfaction with repairs", "Tenants who had a repair in the last 12 months and were satisfied with the overall repairs service."),
    survey("TP03", "Satisfaction with time taken to complete the most recent repair", "Tenants who had a repair in the last 12 months and were satisfied with how long it took."),
    survey("TP04", "Satisfaction that the home is well maintained", "Tenants satisfied that their home is well maintained."),
    survey("TP05", "Satisfaction that the home is safe", "Tenants satisfied that their home is safe."),
    survey("TP06", "Satisfaction that the landlord listens to tenant views and acts upon them", "Tenants satisfied that their landlord listens to their views and acts on them."),
    survey("TP07", "Satisfaction that the landlord keeps tenants informed about things that matter to them", "Tenants satisfied that their landlord keeps them informed."),
    survey("TP08", "Agreement that the landlord treats tenants fairly and with respect", "Tenants who agree that their landlord treats them fairly and with respect."),
    survey("TP09", "Satisfaction with the landlord's approach to handling complaints", "Tenants who made a complaint in the last 12 months and were satisfied with how it was handled."),
    survey("TP10", "Satisfaction that the landlord keeps communal areas clean and well maintained", "Tenants with communal areas who are satisfied they are kept clean and well maintained."),
    survey("TP11", "Satisfaction that the landlord makes a positive contribution to neighbourhoods", "Tenants satisfied that their landlord makes a positive contribution to their neighbourhood."),
    survey("TP12", "Satisfaction with the landlord's approach to handling anti-social behaviour", "Tenants satisfied with how their landlord handles anti-social behaviour."),
    safety("BS01", "Gas safety checks", "Homes needing a gas safety check that had one on time."),
    safety("BS02", "Fire safety checks", "Homes needing a fire risk assessment that had one."),
    safety("BS03", "Asbestos safety checks", "Homes needing an asbestos management survey or inspection that had one."),
    safety("BS04", "Water safety checks", "Homes needing a legionella risk assessment that had one."),
    safety("BS05", "Lift safety checks", "Homes with communal passenger lifts that had the required lift safety checks."),
    BuiltInMeasure {
        code: "RP01",
        title: "Homes that do not meet the Decent Homes Standard",
        about: "Homes that fall short of the Decent Homes Standard.",
        unit: Unit::Percent,
        direction: Direction::LowerIsBetter,
        survey: false,
        parts: &[],
    },
    BuiltInMeasure {
        code: "RP02",
        title: "Repairs completed within target timescale",
        about: "Repairs finished within the landlord's own target time, reported separately for emergency and non-emergency repairs.",
        unit: Unit::Percent,
        direction: Direction::HigherIsBetter,
        survey: false,
        parts: &[("non-emergency", "Non-emergency repairs"), ("emergency", "Emergency repairs")],
    },
    BuiltInMeasure {
        code: "CH01",
        title: "Complaints relative to the size of the landlord",
        about: "Complaints received for every 1,000 homes. More recorded complaints can mean complaining has been made easier, so neither higher nor lower is simply better.",
        unit: Unit::Per1000Homes,
        direction: Direction::Neither,
        survey: false,
        parts: STAGES,
    },
    BuiltInMeasure {
        code: "CH02",
        title: "Complaints responded to within Complaint Handling Code timescales",
        about: "Complaints answered within the Housing Ombudsman's timescales: 10 working days at stage 1 and 20 at stage 2, after acknowledging.",
        unit: Unit::Percent,
        direction: Direction::HigherIsBetter,
        survey: false,
        parts: STAGES,
    },
    BuiltInMeasure {
        code: "NM01",
        title: "Anti-social behaviour cases relative to the size of the landlord",
        about: "Anti-social behaviour cases opened for every 1,000 homes: all cases, and those involving hate incidents.",
        unit: Unit::Per1000Homes,
        direction: Direction::Neither,
        survey: false,
        parts: &[("all", "All cases"), ("hate", "Cases involving hate incidents")],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_twenty_two_measures_with_unique_codes() {
        assert_eq!(TSMS.len(), 22);
        let mut codes: Vec<&str> = TSMS.iter().map(|m| m.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 22);
        let surveys = TSMS.iter().filter(|m| m.survey).count();
        assert_eq!(surveys, 12, "TP01 to TP12 come from the tenant survey");
        let with_parts: Vec<&str> = TSMS
            .iter()
            .filter(|m| !m.parts.is_empty())
            .map(|m| m.code)
            .collect();
        assert_eq!(with_parts, ["RP02", "CH01", "CH02", "NM01"]);
    }
}
