//! The command that repeats a check's probe by hand (curl, openssl, dig, nc), printed with
//! failures. It must do what the probe did (same connect target, SNI, trust, body), so that a
//! person sees the same answer; so it is built from the probe's own settings, here, beside
//! the probes. It is typed, a program and its arguments, and shell-quoted only when shown.
//! Reports show it with [`ShellCommand::to_shell`]: each secret value becomes a reference to
//! its environment variable (`"${NAME}"`), so the line runs as printed where the secret is
//! set, and reports still redact the finished text.

mod curl;
mod dig;
mod openssl;

pub use curl::{curl_command, curl_command_with_timeout};
pub use dig::{dig_command, nc_command};
pub use openssl::{openssl_command, openssl_x509_command};

use super::Observation;
use crate::config::model::{Environment, Probe, ResolveRule, Secrets, TlsOptions};
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// A shell command: a program and its arguments. Shown (`Display`) as one line a POSIX shell
/// reads back into the same words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellCommand {
    program: String,
    args: Vec<ShellArg>,
}

/// One argument of a [`ShellCommand`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShellArg {
    /// A word, quoted when shown as its characters need.
    Word(String),
    /// Shell syntax shown as it is: a redirection (`</dev/null`), a process substitution
    /// (`<(cat a.pem b.pem)`), or a word the command has always shown unquoted.
    Raw(String),
}

impl ShellCommand {
    pub fn new(program: impl Into<String>) -> ShellCommand {
        ShellCommand {
            program: program.into(),
            args: Vec::new(),
        }
    }

    /// The command with `word` added: `ShellCommand::new("echo").arg("a b")`.
    /// `-4` or `-6` for `ip: v4` or `ip: v6` (curl, nc and s_client spell it alike).
    pub(crate) fn push_family(&mut self, ip: crate::config::model::IpFamily) {
        match ip {
            crate::config::model::IpFamily::Any => {}
            crate::config::model::IpFamily::V4 => self.push("-4"),
            crate::config::model::IpFamily::V6 => self.push("-6"),
        }
    }

    pub fn arg(mut self, word: impl Into<String>) -> ShellCommand {
        self.push(word);
        self
    }

    /// Adds a word.
    pub fn push(&mut self, word: impl Into<String>) {
        self.args.push(ShellArg::Word(word.into()));
    }

    /// Adds shell syntax, shown as it is (see [`ShellArg::Raw`]).
    pub fn push_raw(&mut self, text: impl Into<String>) {
        self.args.push(ShellArg::Raw(text.into()));
    }

    pub fn program(&self) -> &str {
        &self.program
    }

    pub fn args(&self) -> &[ShellArg] {
        &self.args
    }

    /// The command as one shell line, like `Display`, but with every secret value in a word
    /// written as a reference to the environment variable it came from (`"${TOKEN}"`): run by
    /// a shell where the secret is set, it sends what the probe sent, and the value is not in
    /// the text. A value that does not stand in a word as written (encoded, say) is left for
    /// the report's redaction.
    pub fn to_shell(&self, secrets: &Secrets) -> String {
        let mut all = secrets.all_values();
        all.extend(capture_placeholders(&self.args));
        let mut refs: Vec<(&str, &str)> = all
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .filter(|(name, _)| is_shell_name(name))
            .collect();
        refs.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
        let mut out = self.program.clone();
        for arg in &self.args {
            out.push(' ');
            match arg {
                ShellArg::Word(word) => out.push_str(&quote_with_refs(word, &refs)),
                ShellArg::Raw(text) => out.push_str(text),
            }
        }
        out
    }
}

/// The `${capture:..}` placeholders not filled in yet (`conform explain` of a check that
/// uses a capture), as written in the words (`${CAPTURE_X}`, or `$%7BCAPTURE_X%7D` in a URL
/// path): each is written as a reference to that shell variable.
fn capture_placeholders(args: &[ShellArg]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for arg in args {
        let ShellArg::Word(word) = arg else { continue };
        for (open, close) in [("${", "}"), ("$%7B", "%7D")] {
            let mut rest = word.as_str();
            while let Some(i) = rest.find(open) {
                let after = &rest[i + open.len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name.starts_with("CAPTURE_") && after[name.len()..].starts_with(close) {
                    let written = format!("{open}{name}{close}");
                    if !out.iter().any(|(_, w)| *w == written) {
                        out.push((name.clone(), written));
                    }
                }
                rest = after;
            }
        }
    }
    out
}

/// Whether `name` can be a shell variable's name.
fn is_shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `word` quoted, its secret values (`refs`: name, value; longest first) as `"${NAME}"`. A
/// short value counts only where it stands as a token (no letter or digit around it).
fn quote_with_refs(word: &str, refs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut literal_start = 0;
    let mut i = 0;
    let mut found = false;
    while i < word.len() {
        let hit = refs.iter().find(|(_, value)| {
            word[i..].starts_with(value)
                && (!crate::config::model::is_short_secret(value)
                    || stands_alone(word, i, value.len()))
        });
        match hit {
            Some((name, value)) => {
                if literal_start < i {
                    out.push_str(&quote(&word[literal_start..i]));
                }
                out.push_str(&format!("\"${{{name}}}\""));
                i += value.len();
                literal_start = i;
                found = true;
            }
            None => i += word[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    if !found {
        return quote(word);
    }
    if literal_start < word.len() {
        out.push_str(&quote(&word[literal_start..]));
    }
    out
}

/// Whether `word[start..start + len]` has no letter or digit right before or after it.
fn stands_alone(word: &str, start: usize, len: usize) -> bool {
    let before = word[..start].chars().next_back();
    let after = word[start + len..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

impl fmt::Display for ShellCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.program)?;
        for arg in &self.args {
            match arg {
                ShellArg::Word(word) => write!(f, " {}", quote(word))?,
                ShellArg::Raw(text) => write!(f, " {text}")?,
            }
        }
        Ok(())
    }
}

/// POSIX shell quoting: bare when every character is safe, else single quotes (a single quote
/// inside becomes `'\''`).
pub fn quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The command that repeats `probe` by hand, bounded by `timeout`. `seen` is what the probe
/// saw, when it saw something: a name that only the environment's resolvers know would not
/// resolve for curl, openssl or nc, so the address the probe reached is given to them as a
/// fixed answer.
pub fn command(
    probe: Probe<'_>,
    env: &Environment,
    timeout: Duration,
    seen: Option<&Observation>,
) -> ShellCommand {
    let answers = FixedAnswers {
        env,
        reached: seen.and_then(|seen| reached(probe, env, seen)),
    };
    match probe {
        Probe::Http(h) => curl::curl(h, &answers, timeout),
        Probe::Tls(t) => openssl::s_client(t, &answers),
        Probe::Cert(c) => openssl_x509_command(c, env),
        Probe::Dns(d) => dig_command(d, env.resolvers.first().copied()),
        Probe::Tcp(t) => dig::nc(t, &answers, timeout),
    }
}

/// The environment's fixed answers (`resolve:`), and the address the probe reached when the
/// command needs it as one more.
pub(crate) struct FixedAnswers<'a> {
    env: &'a Environment,
    reached: Option<ResolveRule>,
}

impl<'a> FixedAnswers<'a> {
    /// The environment's answers alone.
    pub(crate) fn of(env: &'a Environment) -> FixedAnswers<'a> {
        FixedAnswers { env, reached: None }
    }

    pub(crate) fn env(&self) -> &'a Environment {
        self.env
    }

    /// Every rule, the reached address first: it wins over the environment's answers for
    /// its host and port.
    pub(crate) fn rules(&self) -> impl Iterator<Item = &ResolveRule> + Clone {
        self.reached.iter().chain(self.env.resolve.iter())
    }

    /// The fixed answer for `host:port`, as [`Environment::resolve_fixed`] finds it.
    pub(crate) fn resolve_fixed(&self, host: &str, port: u16) -> Option<SocketAddr> {
        ResolveRule::answer(self.rules(), host, port)
    }
}

/// The address an http, tls or tcp probe reached, as a fixed answer for its host: only when
/// the host is a name and the command would not reach that address by itself: the
/// environment names resolvers (the system's would not know the name), or its `resolve:`
/// answers list the address after another one (`addresses: all` reached each).
fn reached(probe: Probe<'_>, env: &Environment, seen: &Observation) -> Option<ResolveRule> {
    let (host, port, addr): (&str, u16, Option<SocketAddr>) = match (probe, seen) {
        // Through a proxy the address reached is the proxy's, not the host's.
        (Probe::Http(h), Observation::Http(o))
            if h.connect_to.is_none() && o.redirects.is_empty() && o.proxy.is_none() =>
        {
            let port = h.url.port_or_known_default().unwrap_or(443);
            (h.url.host_str().unwrap_or_default(), port, o.remote_addr)
        }
        (Probe::Tls(t), Observation::Tls(o)) => (&t.host, t.port, o.target.parse().ok()),
        (Probe::Tcp(t), Observation::Tcp(o)) => (&t.host, t.port, o.target.parse().ok()),
        _ => return None,
    };
    let addr = addr?;
    if host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let fixed = env.resolve_fixed_all(host, port);
    let needed = match fixed.first() {
        None => !env.resolvers.is_empty(),
        Some(first) => *first != addr && fixed.contains(&addr),
    };
    if !needed {
        return None;
    }
    Some(ResolveRule {
        host: host.to_ascii_lowercase(),
        port: Some(port),
        to: addr.ip(),
        to_port: (addr.port() != port).then_some(addr.port()),
    })
}

/// The extra trust roots of a probe as the one argument a CA-file option takes: the probe's
/// `ca_file`s, then the environment's not named already; `None` when there are none. curl
/// keeps only its last `--cacert` and s_client takes one `-CAfile`, so several files are
/// joined for them (`<(cat a b)`, bash and zsh).
fn ca_file_arg(tls: &TlsOptions, env: &Environment) -> Option<ShellArg> {
    let mut ca_files: Vec<&Path> = tls.ca_files.iter().map(|p| p.as_path()).collect();
    for file in &env.ca_files {
        if !ca_files.contains(&file.as_path()) {
            ca_files.push(file.as_path());
        }
    }
    match ca_files.as_slice() {
        [] => None,
        [one] => Some(ShellArg::Word(path_text(one))),
        many => {
            let files: Vec<String> = many.iter().map(|p| quote(&path_text(p))).collect();
            Some(ShellArg::Raw(format!("<(cat {})", files.join(" "))))
        }
    }
}

fn push_arg(cmd: &mut ShellCommand, arg: ShellArg) {
    cmd.args.push(arg);
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// IPv6 addresses in brackets, as curl's and openssl's host:port syntax needs.
fn bracket(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

#[cfg(test)]
mod tests;
