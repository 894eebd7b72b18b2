//! Reads the four specs the library's clients were generated from and vets them on load: local `$ref`s that resolve, unique
//! `operationId`s, declared security schemes.

use std::collections::HashSet;

use openapiv3::OpenAPI;
use serde_json::Value;

use super::ApiId;

/// One embedded spec and where its paths live on the emulator's single URL.
pub(super) struct Source {
    pub(super) id: ApiId,
    pub(super) file: &'static str,
    pub(super) text: &'static str,
    /// Path prefixes the spec's paths are served under ("" = the root).
    pub(super) bases: &'static [&'static str],
}

pub(super) const SOURCES: [Source; 4] = [
    Source {
        id: ApiId::AcsChat,
        file: "acs-chat.yaml",
        text: upload_clients::generated::acs_chat::SPEC,
        bases: &[""],
    },
    Source {
        id: ApiId::Rbm,
        file: "rbm-files.yaml",
        text: upload_clients::generated::rbm_files::SPEC,
        bases: &[""],
    },
    Source {
        id: ApiId::AiAgents,
        file: "ai-agents-files.yaml",
        text: upload_clients::generated::ai_agents_files::SPEC,
        // The root, or a project endpoint's path as the real service has it.
        bases: &["", "/api/projects/*"],
    },
    Source {
        id: ApiId::MaiAgent,
        file: "maiagent-attachments.yaml",
        text: upload_clients::generated::maiagent_attachments::SPEC,
        // The page's paths start with /api/, MaiAgent's official examples with /api/v1/.
        bases: &["/api", "/api/v1"],
    },
];

/// Every `$ref` must be a local `#/components/<kind>/<name>` that exists.
pub(super) fn check_refs(root: &Value, value: &Value, file: &str) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref") {
                let target = r.as_str().unwrap_or_default();
                let ok = target.starts_with("#/components/")
                    && target.matches('/').count() == 3
                    && target
                        .strip_prefix('#')
                        .is_some_and(|pointer| root.pointer(pointer).is_some());
                if !ok {
                    return Err(format!(
                        "specs/{file}: the reference `{r}` does not resolve"
                    ));
                }
            }
            map.values().try_for_each(|v| check_refs(root, v, file))
        }
        Value::Array(items) => items.iter().try_for_each(|v| check_refs(root, v, file)),
        _ => Ok(()),
    }
}

pub(super) fn check_operations(doc: &OpenAPI, file: &str) -> Result<(), String> {
    let schemes: HashSet<&str> = doc
        .components
        .as_ref()
        .map(|c| c.security_schemes.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut ids = HashSet::new();
    let check_security = |security: Option<&Vec<openapiv3::SecurityRequirement>>| {
        for requirement in security.into_iter().flatten() {
            for name in requirement.keys() {
                if !schemes.contains(name.as_str()) {
                    return Err(format!(
                        "specs/{file}: the security scheme `{name}` is not declared"
                    ));
                }
            }
        }
        Ok(())
    };
    check_security(doc.security.as_ref())?;
    for (path, method, op) in doc.operations() {
        let Some(id) = op.operation_id.as_deref() else {
            return Err(format!("specs/{file}: {method} {path} has no operationId"));
        };
        if !ids.insert(id) {
            return Err(format!("specs/{file}: operationId `{id}` is used twice"));
        }
        check_security(op.security.as_ref())?;
    }
    Ok(())
}
