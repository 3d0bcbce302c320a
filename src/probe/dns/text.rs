//! DNS data as dig prints it, so that expectations can be written from dig's output.

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{RData, Record};
use std::fmt::Write;

/// The rcode's mnemonic: `NOERROR`, `NXDOMAIN`, `SERVFAIL` ...
pub(crate) fn rcode_text(code: ResponseCode) -> String {
    let value = u16::from(code);
    let name = match value {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        11 => "DSOTYPENI",
        16 => "BADVERS",
        17 => "BADKEY",
        18 => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        22 => "BADTRUNC",
        23 => "BADCOOKIE",
        _ => return format!("RCODE{value}"),
    };
    name.to_string()
}

/// A record's data: addresses as written, names fully qualified in ASCII (punycode, as dig
/// shows them), TXT strings joined without quotes; other types as hickory presents them.
pub(crate) fn rdata_text(data: &RData) -> String {
    match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(aaaa) => aaaa.0.to_string(),
        RData::CNAME(name) => name.0.to_ascii(),
        RData::NS(name) => name.0.to_ascii(),
        RData::PTR(name) => name.0.to_ascii(),
        RData::MX(mx) => format!("{} {}", mx.preference, mx.exchange.to_ascii()),
        RData::SRV(srv) => format!(
            "{} {} {} {}",
            srv.priority,
            srv.weight,
            srv.port,
            srv.target.to_ascii()
        ),
        RData::SOA(soa) => format!(
            "{} {} {} {} {} {} {}",
            soa.mname.to_ascii(),
            soa.rname.to_ascii(),
            soa.serial,
            soa.refresh,
            soa.retry,
            soa.expire,
            soa.minimum
        ),
        RData::TXT(txt) => txt
            .txt_data
            .iter()
            .map(|s| String::from_utf8_lossy(s))
            .collect(),
        RData::CAA(caa) => format!(
            "{} {} \"{}\"",
            caa.flags(),
            caa.tag,
            String::from_utf8_lossy(&caa.value)
        ),
        other => {
            // Some types (OPT) have no text form; a hostile answer must not panic us.
            let mut text = String::new();
            match write!(text, "{other}") {
                Ok(()) => text,
                Err(_) => format!("({} record without a text form)", other.record_type()),
            }
        }
    }
}

/// One record as a line of dig's answer section: `name. ttl IN TYPE data`.
pub(crate) fn dig_line(record: &Record) -> String {
    format!(
        "{} {} {} {} {}",
        record.name.to_ascii(),
        record.ttl,
        record.dns_class,
        record.record_type(),
        rdata_text(&record.data)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::dns::tests::name;
    use hickory_proto::rr::Name;
    use hickory_proto::rr::rdata::{CAA, MX, OPT, SOA, SRV, TXT};

    #[test]
    fn rcodes_are_mnemonics() {
        assert_eq!(rcode_text(ResponseCode::NoError), "NOERROR");
        assert_eq!(rcode_text(ResponseCode::NXDomain), "NXDOMAIN");
        assert_eq!(rcode_text(ResponseCode::ServFail), "SERVFAIL");
        assert_eq!(rcode_text(ResponseCode::Refused), "REFUSED");
        assert_eq!(rcode_text(ResponseCode::NotImp), "NOTIMP");
        assert_eq!(rcode_text(ResponseCode::FormErr), "FORMERR");
        assert_eq!(rcode_text(ResponseCode::Unknown(3841)), "RCODE3841");
    }

    #[test]
    fn record_data_as_dig_prints_it() {
        let mx = RData::MX(MX::new(10, name("mx.example.")));
        assert_eq!(rdata_text(&mx), "10 mx.example.");
        let srv = RData::SRV(SRV::new(10, 5, 443, name("t.example.")));
        assert_eq!(rdata_text(&srv), "10 5 443 t.example.");
        let txt = RData::TXT(TXT::new(vec!["v=spf1 ".into(), "-all".into()]));
        assert_eq!(rdata_text(&txt), "v=spf1 -all");
        let soa = SOA::new(name("ns.t."), name("hm.t."), 7, 3600, 600, 86400, 60);
        assert_eq!(
            rdata_text(&RData::SOA(soa)),
            "ns.t. hm.t. 7 3600 600 86400 60"
        );
        let issuer = Name::from_ascii("letsencrypt.org").unwrap();
        let caa = CAA::new_issue(false, Some(issuer), vec![]);
        assert_eq!(rdata_text(&RData::CAA(caa)), "0 issue \"letsencrypt.org\"");
        let idn = RData::CNAME(hickory_proto::rr::rdata::CNAME(
            Name::from_utf8("bücher.example.").unwrap(),
        ));
        assert_eq!(rdata_text(&idn), "xn--bcher-kva.example.");
    }

    #[test]
    fn a_type_without_text_does_not_panic() {
        let opt = RData::OPT(OPT::default());
        assert_eq!(rdata_text(&opt), "(OPT record without a text form)");
    }

    #[test]
    fn dig_lines() {
        let r = Record::from_rdata(name("m.t."), 300, RData::MX(MX::new(5, name("x.t."))));
        assert_eq!(dig_line(&r), "m.t. 300 IN MX 5 x.t.");
    }
}
