//! Reading an answer section the way a stub resolver does: from the question name, follow
//! the CNAME records to the name that holds the records of the asked type.

use hickory_proto::op::Message;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

/// How many CNAME records are followed before giving up: a looping answer must not hang.
pub(crate) const MAX_CNAME_STEPS: usize = 16;

/// The part of a response that answers the question.
pub(crate) struct Answer<'a> {
    /// Each CNAME target from the question name on, in order; a name seen before ends it.
    pub cnames: Vec<Name>,
    /// The records of the asked type owned by the question name or a name of the chain.
    pub records: Vec<&'a Record>,
}

pub(crate) fn read_answer<'a>(response: &'a Message, name: &Name, asked: RecordType) -> Answer<'a> {
    let mut owners = vec![name.clone()];
    let mut cnames = Vec::new();
    // Asked for the CNAME itself, the CNAME record is the answer, not a step.
    if asked != RecordType::CNAME {
        let mut current = name.clone();
        while cnames.len() < MAX_CNAME_STEPS {
            let Some(target) = response.answers.iter().find_map(|r| match &r.data {
                RData::CNAME(cname) if r.name == current && r.dns_class == DNSClass::IN => {
                    Some(cname.0.clone())
                }
                _ => None,
            }) else {
                break;
            };
            cnames.push(target.clone());
            if owners.contains(&target) {
                break;
            }
            owners.push(target.clone());
            current = target;
        }
    }
    let records = response
        .answers
        .iter()
        .filter(|r| asked == RecordType::ANY || r.record_type() == asked)
        // The question asks class IN: a record of another class (CH, say) answers nothing.
        .filter(|r| r.dns_class == DNSClass::IN)
        .filter(|r| owners.contains(&r.name))
        .collect();
    Answer { cnames, records }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::dns::tests::name;
    use hickory_proto::op::OpCode;
    use hickory_proto::rr::rdata::{A, CNAME};

    fn cname(from: &str, to: &str) -> Record {
        Record::from_rdata(name(from), 60, RData::CNAME(CNAME(name(to))))
    }

    fn a(owner: &str, ip: [u8; 4]) -> Record {
        Record::from_rdata(
            name(owner),
            60,
            RData::A(A::from(std::net::Ipv4Addr::from(ip))),
        )
    }

    fn response(answers: Vec<Record>) -> Message {
        let mut m = Message::response(1, OpCode::Query);
        m.add_answers(answers);
        m
    }

    fn texts(names: &[Name]) -> Vec<String> {
        names.iter().map(Name::to_ascii).collect()
    }

    #[test]
    fn a_chain_is_followed_to_the_records_of_its_last_name() {
        let m = response(vec![
            cname("a.t.", "b.t."),
            cname("b.t.", "c.t."),
            a("c.t.", [10, 0, 0, 1]),
            a("unrelated.t.", [10, 0, 0, 2]),
        ]);
        let answer = read_answer(&m, &name("a.t."), RecordType::A);
        assert_eq!(texts(&answer.cnames), ["b.t.", "c.t."]);
        assert_eq!(answer.records.len(), 1);
        assert_eq!(answer.records[0].name, name("c.t."));
    }

    #[test]
    fn a_record_of_another_class_answers_nothing() {
        let mut chaos = a("a.t.", [10, 0, 0, 9]);
        chaos.dns_class = DNSClass::CH;
        let m = response(vec![chaos, a("a.t.", [10, 0, 0, 1])]);
        let answer = read_answer(&m, &name("a.t."), RecordType::A);
        assert_eq!(answer.records.len(), 1);
        assert_eq!(answer.records[0].dns_class, DNSClass::IN);
    }

    #[test]
    fn asked_for_a_cname_the_cname_is_the_answer() {
        let m = response(vec![cname("a.t.", "b.t.")]);
        let answer = read_answer(&m, &name("a.t."), RecordType::CNAME);
        assert!(answer.cnames.is_empty());
        assert_eq!(answer.records.len(), 1);
    }

    #[test]
    fn a_loop_ends_at_the_first_name_seen_again() {
        let m = response(vec![cname("a.t.", "b.t."), cname("b.t.", "a.t.")]);
        let answer = read_answer(&m, &name("a.t."), RecordType::A);
        assert_eq!(texts(&answer.cnames), ["b.t.", "a.t."]);
        assert!(answer.records.is_empty());
    }

    #[test]
    fn a_long_chain_is_cut_after_the_limit() {
        let records = (0..40)
            .map(|i| cname(&format!("n{i}.t."), &format!("n{}.t.", i + 1)))
            .collect();
        let m = response(records);
        let answer = read_answer(&m, &name("n0.t."), RecordType::A);
        assert_eq!(answer.cnames.len(), MAX_CNAME_STEPS);
        assert_eq!(answer.cnames.last().unwrap().to_ascii(), "n16.t.");
    }
}
