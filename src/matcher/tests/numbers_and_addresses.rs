//! Addresses (`in_cidr`) and text read as a number.

use super::*;

#[test]
fn cidr() {
    let cf = "{in_cidr: [104.16.0.0/13, 172.64.0.0/13, '2606:4700::/32']}";
    assert!(m(cf).test(&t("104.18.2.1")).is_ok());
    assert!(m(cf).test(&t("10.0.0.1")).is_err());
    assert!(m(cf).test(&set(&["104.18.2.1", "2606:4700::1"])).is_ok());
    assert_eq!(
        m(cf).test(&set(&["104.18.2.1", "10.0.0.1"])).unwrap_err(),
        Miss::because("10.0.0.1 is outside every range")
    );
    let none = m(cf).test(&set(&[])).unwrap_err();
    assert_eq!(none, Miss::because("there are no addresses"));
    assert!(m("{in_cidr: 127.0.0.1}").test(&t("127.0.0.1")).is_ok());
    // An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is that IPv4 address.
    let private = "{in_cidr: [10.0.0.0/8]}";
    assert!(m(private).test(&t("::ffff:10.1.2.3")).is_ok());
    assert!(
        m(&format!("{{not: {private}}}"))
            .test(&t("::ffff:10.1.2.3"))
            .is_err()
    );
    assert!(
        m("{in_cidr: ['::ffff:0:0/96']}")
            .test(&t("::ffff:10.1.2.3"))
            .is_ok()
    );
}

#[test]
fn text_that_is_no_finite_number_is_no_number() {
    for text in ["NaN", "inf", "-infinity"] {
        assert!(m("{not: {lt: 10}}").test(&t(text)).is_err(), "{text}");
        assert!(m("{gte: 10}").test(&t(text)).is_err(), "{text}");
    }
}
