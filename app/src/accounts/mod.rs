//! People and their roles. A person holds at most one role at each landlord,
//! and may belong to several landlords; platform administrators run the
//! installation itself.
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A verified tenant of the landlord.
    Resident,
    PanelMember,
    PanelChair,
    LandlordStaff,
    LandlordAdmin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Resident,
        Role::PanelMember,
        Role::PanelChair,
        Role::LandlordStaff,
        Role::LandlordAdmin,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::PanelMember => "panel_member",
            Role::PanelChair => "panel_chair",
            Role::LandlordStaff => "landlord_staff",
            Role::LandlordAdmin => "landlord_admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            Role::Resident => "Resident",
            Role::PanelMember => "Panel member",
            Role::PanelChair => "Panel chair",
            Role::LandlordStaff => "Landlord staff",
            Role::LandlordAdmin => "Landlord administrator",
        }
    }
}

/// Checks an email address and returns it in the lower-case form it is stored in.
pub fn normalise_email(text: &str) -> Result<String, AppError> {
    let email = text.trim().to_lowercase();
    let invalid = || AppError::invalid("email", "Enter an email address like name@example.org");
    if email.is_empty() {
        return Err(AppError::invalid("email", "Enter your email address"));
    }
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || local.contains('@') || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }

    #[test]
    fn emails_are_trimmed_lowered_and_checked() {
        assert_eq!(
            normalise_email("  Aisha.Rahman@Example.ORG ").unwrap(),
            "aisha.rahman@example.org"
        );
        for bad in [
            "",
            "aisha",
            "aisha@",
            "@example.org",
            "a@b",
            "a b@example.org",
            "a@example..org",
            "a@@example.org",
        ] {
            let error = normalise_email(bad).unwrap_err();
            assert!(
                matches!(error, AppError::Invalid { ref field, .. } if field == "email"),
                "{bad}"
            );
        }
    }
}
