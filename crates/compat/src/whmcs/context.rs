//! One request's view of the desk: the caller, the time zone, and small
//! caches of the users, departments and services an answer names.

use super::answer::WhmcsError;
use crate::CompatState;
use std::collections::HashMap;
use std::net::IpAddr;
use tessera_core::ids::{AttachmentId, DepartmentId, ServiceId, UserId};
use tessera_core::{Actor, Service, User};
use tessera_desk::inputs::Origin;
use tessera_desk::{Desk, DeskError};

/// What an action works with.
pub struct Ctx {
    /// The desk.
    pub desk: Desk,
    /// The caller (an agent or admin).
    pub actor: Actor,
    /// Dates are written in this zone.
    pub tz: chrono_tz::Tz,
    peer: Option<IpAddr>,
    users: HashMap<UserId, Option<User>>,
    departments: HashMap<DepartmentId, Option<String>>,
    services: HashMap<ServiceId, Option<Service>>,
    filenames: HashMap<AttachmentId, String>,
}

impl Ctx {
    /// A request's context.
    pub fn new(state: &CompatState, actor: Actor, peer: Option<IpAddr>) -> Self {
        Self {
            desk: state.desk.clone(),
            actor,
            tz: state.config.timezone,
            peer,
            users: HashMap::new(),
            departments: HashMap::new(),
            services: HashMap::new(),
            filenames: HashMap::new(),
        }
    }

    /// Where messages written through the dialect come from.
    pub fn origin(&self) -> Origin {
        Origin { channel: tessera_core::ticket::Source::Api, ip: self.peer.map(|ip| ip.to_string()), mail: None }
    }

    /// A user the caller may read, `None` when there is none.
    pub async fn user(&mut self, id: UserId) -> Result<Option<User>, WhmcsError> {
        if let Some(u) = self.users.get(&id) {
            return Ok(u.clone());
        }
        let u = match self.desk.user(&self.actor, id).await {
            Ok(v) => Some(v.user),
            Err(DeskError::NotFound { .. } | DeskError::Forbidden { .. }) => None,
            Err(e) => return Err(WhmcsError::from_desk(e, "User ID Not Found")),
        };
        self.users.insert(id, u.clone());
        Ok(u)
    }

    /// A department's name, `None` when there is none.
    pub async fn department_name(&mut self, id: DepartmentId) -> Result<Option<String>, WhmcsError> {
        if let Some(d) = self.departments.get(&id) {
            return Ok(d.clone());
        }
        let d = match self.desk.department(&self.actor, id).await {
            Ok(v) => Some(v.department.name),
            Err(DeskError::NotFound { .. } | DeskError::Forbidden { .. }) => None,
            Err(e) => return Err(WhmcsError::from_desk(e, "Department ID not found")),
        };
        self.departments.insert(id, d.clone());
        Ok(d)
    }

    /// A service, `None` when there is none.
    pub async fn service(&mut self, id: ServiceId) -> Result<Option<Service>, WhmcsError> {
        if let Some(s) = self.services.get(&id) {
            return Ok(s.clone());
        }
        let s = match self.desk.service(&self.actor, id).await {
            Ok(s) => Some(s),
            Err(DeskError::NotFound { .. } | DeskError::Forbidden { .. }) => None,
            Err(e) => return Err(WhmcsError::from_desk(e, "Service ID Not Found")),
        };
        self.services.insert(id, s.clone());
        Ok(s)
    }

    /// An attachment's file name (`""` when it cannot be read).
    pub async fn filename(&mut self, id: AttachmentId) -> Result<String, WhmcsError> {
        if let Some(n) = self.filenames.get(&id) {
            return Ok(n.clone());
        }
        let n = match self.desk.attachment(&self.actor, id).await {
            Ok(a) => a.filename,
            Err(DeskError::NotFound { .. } | DeskError::Forbidden { .. }) => String::new(),
            Err(e) => return Err(WhmcsError::from_desk(e, "Attachment Not Found")),
        };
        self.filenames.insert(id, n.clone());
        Ok(n)
    }
}
