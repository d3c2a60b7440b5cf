//! Who is making a request: the signed-in person with their roles, read
//! from the session, and where the request comes from. Below the slices:
//! permissions and every slice read it, and it reads no slice.
#[cfg(feature = "ssr")]
pub mod session;

use serde::{Deserialize, Serialize};

/// Who is doing something, at which landlord, from where: what a change
/// needs to record in the audit log, passed down as one value.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub organisation_id: i64,
    /// An IP address; "demo" for the demo data.
    pub source: String,
}

/// The person making the request, as every permission check sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_platform_admin: bool,
    pub memberships: Vec<Membership>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub organisation_id: i64,
    pub slug: String,
    pub organisation_name: String,
    pub role: Role,
}

impl CurrentUser {
    pub fn role_at(&self, organisation_id: i64) -> Option<Role> {
        self.memberships
            .iter()
            .find(|m| m.organisation_id == organisation_id)
            .map(|m| m.role)
    }
}

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
}
