use super::*;

fn vars(pairs: &[(&str, &str)]) -> ProxyVars {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ProxyVars::read(&|name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn chosen(config: &ProxyConfig, check: Option<&ProxySetting>, to: &str) -> Option<String> {
    match config.choose(check, &url(to)) {
        Ok(route) => route.map(|r| format!("{} ({})", r.shown(), r.source())),
        Err(ProxyRefusal::Unset(why)) => Some(format!("unset: {why}")),
        Err(ProxyRefusal::Invalid(why)) => Some(format!("invalid: {why}")),
    }
}

#[test]
fn a_proxy_url_is_read_as_curl_reads_it() {
    let cases = [
        ("proxy.corp:3128", Ok("http://proxy.corp:3128/")),
        ("http://proxy.corp", Ok("http://proxy.corp:1080/")),
        ("https://proxy.corp", Ok("https://proxy.corp/")),
        (
            " http://u:p%40ss@10.0.0.1:8080/ ",
            Ok("http://u:p%40ss@10.0.0.1:8080/"),
        ),
        ("http://[::1]:3128", Ok("http://[::1]:3128/")),
        (
            "socks5://proxy.corp:1080",
            Err("is a socks5:// proxy; only http:// and https:// proxies are supported"),
        ),
        ("http://:3128", Err("is not a proxy URL (empty host)")),
    ];
    for (text, want) in cases {
        let got = parse_proxy_url(text).map(|u| u.to_string());
        assert_eq!(
            got.as_deref().map_err(String::as_str),
            want,
            "proxy URL {text:?}"
        );
    }
}

#[test]
fn no_proxy_follows_curls_rules() {
    let list = NoProxy::parse(
        "NO_PROXY",
        "example.com, .corp.internal,*.svc , 10.0.0.0/8,192.168.1.7 [::1] fd00::/8,host.,\
         [::2]:8080",
    );
    let cases = [
        ("example.com", true),
        ("EXAMPLE.com.", true),
        ("www.example.com", true),
        ("notexample.com", false),
        ("example.com.evil", false),
        ("corp.internal", true),
        ("a.b.corp.internal", true),
        ("x.svc", true),
        ("svc", true),
        ("10.20.30.40", true),
        ("11.0.0.1", false),
        ("192.168.1.7", true),
        ("192.168.1.8", false),
        ("[::1]", true),
        ("::1", true),
        ("fd00::5", true),
        ("fe80::1", false),
        ("host", true),
        ("::2", true),
        ("::1:8080", false),
        ("other", false),
    ];
    for (host, want) in cases {
        assert_eq!(list.matches(host), want, "NO_PROXY and {host}");
    }
    assert!(NoProxy::parse("no_proxy", "*").matches("anything.example"));
    assert!(NoProxy::parse("no_proxy", "a.example,*").matches("10.1.1.1"));
    assert!(!NoProxy::parse("no_proxy", "").matches("a.example"));
}

#[test]
fn the_most_specific_setting_chooses_the_proxy() {
    let env_vars = vars(&[
        ("HTTPS_PROXY", "http://secure.proxy:3128"),
        ("http_proxy", "http://lower.proxy:3128"),
        ("HTTP_PROXY", "http://upper.proxy:3128"),
        ("NO_PROXY", "internal.example"),
    ]);
    let from_vars = ProxyConfig {
        setting: None,
        vars: env_vars.clone(),
    };
    let https = "https://app.example/";
    let http = "http://app.example/";
    assert_eq!(
        chosen(&from_vars, None, https).as_deref(),
        Some("http://secure.proxy:3128 (HTTPS_PROXY)")
    );
    assert_eq!(
        chosen(&from_vars, None, http).as_deref(),
        Some("http://lower.proxy:3128 (http_proxy)")
    );
    assert_eq!(chosen(&from_vars, None, "https://internal.example/"), None);
    assert_eq!(chosen(&from_vars, Some(&ProxySetting::Off), https), None);

    let own = ProxySetting::Via(url("http://u:pw@own.proxy:8080"));
    assert_eq!(
        chosen(&from_vars, Some(&own), "https://internal.example/").as_deref(),
        Some("http://u:***@own.proxy:8080 (the check's proxy:)"),
        "NO_PROXY does not undo a check's own proxy"
    );

    let env_off = ProxyConfig {
        setting: Some(ProxySetting::Off),
        vars: env_vars.clone(),
    };
    assert_eq!(chosen(&env_off, None, https), None);
    assert_eq!(
        chosen(&env_off, Some(&own), https).as_deref(),
        Some("http://u:***@own.proxy:8080 (the check's proxy:)")
    );

    let env_own = ProxyConfig {
        setting: Some(ProxySetting::Via(url("http://env.proxy:3128"))),
        vars: env_vars,
    };
    assert_eq!(
        chosen(&env_own, None, http).as_deref(),
        Some("http://env.proxy:3128 (the environment's proxy:)")
    );
    assert_eq!(chosen(&env_own, None, "http://a.internal.example/"), None);

    let unusable = ProxyConfig {
        setting: Some(ProxySetting::Unusable("P is not set".into())),
        vars: ProxyVars::default(),
    };
    assert_eq!(
        chosen(&unusable, None, https).as_deref(),
        Some("unset: P is not set")
    );
}

#[test]
fn all_proxy_is_the_fallback_and_a_bad_variable_is_an_error_not_a_bypass() {
    let config = ProxyConfig {
        setting: None,
        vars: vars(&[("ALL_PROXY", "socks5h://s:1080"), ("HTTP_PROXY", "")]),
    };
    assert_eq!(
        chosen(&config, None, "http://a.example/").as_deref(),
        Some(
            "invalid: ALL_PROXY is a socks5h:// proxy; only http:// and https:// proxies are \
             supported"
        )
    );
    let none = ProxyConfig::default();
    assert_eq!(chosen(&none, None, "https://a.example/"), None);
}

#[test]
fn passwords_in_the_variables_are_secrets_in_both_spellings() {
    let v = vars(&[("https_proxy", "http://me:p%40ss@proxy:3128")]);
    assert_eq!(
        v.passwords(),
        vec![
            ("https_proxy password".to_string(), "p%40ss".to_string()),
            (
                "https_proxy password, decoded".to_string(),
                "p@ss".to_string()
            ),
        ]
    );
}
