//! The closed sets of the configuration (`config::closed`) hold exactly the values the probes
//! report: every rcode, every alert, every record type, tried exhaustively.

use crate::config::closed::{ALERTS, RCODES, RECORD_TYPES};

#[test]
fn every_rcode_the_dns_probe_reports_is_in_the_set() {
    for code in 0..4096u16 {
        let text = super::dns::rcode_text(code.into());
        assert!(RCODES.contains(&text), "{code}: {text}");
    }
    // And every name of the set is one the probe reports for some code.
    for name in RCODES.values {
        assert!(
            (0..4096u16).any(|c| super::dns::rcode_text(c.into()) == *name),
            "{name} is never reported"
        );
    }
}

/// `RCODE<n>` is a member exactly when the probe reports code n so: an assigned code is
/// reported by its name, so `not: RCODE3` would pass against NXDOMAIN.
#[test]
fn the_rcode_family_holds_exactly_the_codes_the_probe_reports_by_number() {
    for code in 0..4096u16 {
        let reported = super::dns::rcode_text(code.into());
        let numbered = format!("RCODE{code}");
        assert_eq!(RCODES.contains(&numbered), reported == numbered, "{code}");
        if reported != numbered {
            assert_eq!(
                RCODES.suggestion(&numbered),
                Some(reported.as_str()),
                "{code}"
            );
        }
    }
    for other in ["RCODE4096", "RCODE5000", "RCODE03", "RCODE", "RCODE-1"] {
        assert!(!RCODES.contains(other), "{other}");
    }
}

/// `unknown alert <n>` is a member exactly when the probe reports alert n so.
#[test]
fn the_alert_family_holds_exactly_the_codes_the_probe_reports_by_number() {
    for code in 0..=255u8 {
        let reported = super::tls_client::alert_name(&rustls::AlertDescription::from(code));
        let numbered = format!("unknown alert {code}");
        assert_eq!(ALERTS.contains(&numbered), reported == numbered, "{code}");
        if reported != numbered {
            assert_eq!(
                ALERTS.suggestion(&numbered),
                Some(reported.as_str()),
                "{code}"
            );
        }
    }
    for other in ["unknown alert 256", "unknown alert 999", "unknown alert 07"] {
        assert!(!ALERTS.contains(other), "{other}");
    }
}

#[test]
fn every_alert_the_tls_probe_reports_is_in_the_set() {
    let mut seen = Vec::new();
    for code in 0..=255u8 {
        let name = super::tls_client::alert_name(&rustls::AlertDescription::from(code));
        assert!(ALERTS.contains(&name), "{code}: {name}");
        seen.push(name);
    }
    for name in ALERTS.values {
        assert!(seen.iter().any(|s| s == name), "{name} is never reported");
    }
}

#[test]
fn every_record_type_of_the_set_is_one_the_probe_can_ask() {
    use std::str::FromStr;
    for name in RECORD_TYPES.values {
        let t = hickory_proto::rr::RecordType::from_str(name);
        assert!(
            matches!(t, Ok(t) if !matches!(t, hickory_proto::rr::RecordType::Unknown(_))),
            "{name}"
        );
    }
}
