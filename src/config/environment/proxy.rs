//! The environment's `proxy:` (`${VAR}` and `${secret:NAME}` allowed in it) and the process's
//! proxy variables.

use crate::config::interpolate::resolve_node;
use crate::config::model::{Environment, ProxySetting, ProxyVars, Secrets};
use crate::config::vars::VarSource;
use crate::syntax::diag::Diagnostics;
use crate::syntax::node::Node;
use std::path::Path;

/// `proxy: URL | none`. A variable or secret in it that is not set makes it unusable, not a
/// load error: `validate` passes without the secret, and the http checks that would go
/// through the proxy are errors that name the variable.
pub(super) fn decode(
    n: &Node,
    file: &Path,
    getenv: &dyn Fn(&str) -> Option<String>,
    secrets: &mut Secrets,
    d: &mut Diagnostics,
) -> Option<ProxySetting> {
    let src = VarSource { vars: None, getenv };
    let mut missing = Diagnostics::new(file);
    let resolved = resolve_node(n, &src, secrets, d, &mut missing);
    if let Some(m) = missing.list.first() {
        let why = format!("{} (in `proxy` of {})", m.message, file.display());
        return Some(ProxySetting::Unusable(why));
    }
    let setting = crate::config::proxy::decode_proxy(&resolved, d)?;
    setting.register_password("the environment's proxy password", secrets);
    Some(setting)
}

/// `env` with the process's proxy variables, whose passwords become secrets.
pub fn with_variables(
    mut env: Environment,
    getenv: &dyn Fn(&str) -> Option<String>,
    secrets: &mut Secrets,
) -> Environment {
    env.proxy.vars = ProxyVars::read(getenv);
    for (name, password) in env.proxy.vars.passwords() {
        secrets.insert(&name, &password);
    }
    env
}
