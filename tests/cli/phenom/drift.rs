//! What each drifted claim must make its check show first: the message and the first mismatch.

use super::{COGNITO, DRIFTED_INTERNAL, Drifted, PROD_POOL, STAGING_POOL};

pub(super) fn drifted(
    switch: &'static str,
    id: &'static str,
    field: &'static str,
    expected: &str,
    actual: &str,
    more: usize,
) -> Drifted {
    Drifted {
        switch,
        id,
        field,
        expected: expected.to_string(),
        actual: actual.to_string(),
        more,
    }
}

/// Cloudflare's published IPv4 ranges, as the dns checks list them and the judge shows them.
const CLOUDFLARE_V4: &str = "173.245.48.0/20, 103.21.244.0/22, 103.22.200.0/22, \
    103.31.4.0/22, 141.101.64.0/18, 108.162.192.0/18, 190.93.240.0/20, 188.114.96.0/20, \
    197.234.240.0/22, 198.41.128.0/17, 162.158.0.0/15, 104.16.0.0/13, 104.24.0.0/14, \
    172.64.0.0/13, 131.0.72.0/22";

/// The check of each drifted claim but the short certificate's and the WAF's (whose first
/// lines are not one fixed text), as it fails.
pub(super) fn drift_failures() -> Vec<Drifted> {
    let location = |to: &str| format!("\"{to}\"");
    vec![
        // chat (seed 001)
        drifted("root_open", "chat/root-redirect", "status", "302", "200", 1),
        drifted(
            "root_open",
            "chat/a-non-client-path-redirects-to-the-app-download",
            "status",
            "302",
            "200",
            1,
        ),
        drifted(
            "admin_served",
            "chat/synapse-admin-ui-is-not-served",
            "status",
            "404",
            "200",
            0,
        ),
        drifted(
            "admin_served",
            "chat/synapse-admin-api-below-the-admin-path-is-not-served",
            "status",
            "404",
            "200",
            0,
        ),
        drifted(
            "versions_redirected",
            "chat/client-versions-endpoint-is-served-not-redirected",
            "status",
            "200",
            "302",
            1,
        ),
        drifted(
            "chat_unproxied",
            "chat/chat-is-proxied-by-cloudflare",
            "header server",
            "\"cloudflare\"",
            "absent",
            1,
        ),
        drifted(
            "login_without_jwt",
            "chat/login-offers-jwt-and-sso-flows",
            "body json $.flows[*].type",
            "contains \"org.matrix.login.jwt\" and contains \"m.login.sso\"",
            "[\"m.login.sso\", \"m.login.token\"]",
            0,
        ),
        drifted(
            "registration_open",
            "chat/registration-is-disabled",
            "status",
            "403",
            "200",
            1,
        ),
        drifted(
            "whoami_open",
            "chat/unauthenticated-client-calls-get-401",
            "status",
            "401",
            "200",
            1,
        ),
        drifted(
            "hasura_leaks_users",
            "chat/the-data-plane-gives-anonymous-callers-no-queries",
            "body json $.data.__schema.queryType.fields[*].name",
            "[\"no_queries_available\"]",
            "[\"users\", \"users_by_pk\"]",
            0,
        ),
        drifted(
            "internal_alias_moved",
            "chat/internal-resolves-to-staff",
            "body json $.room_id",
            "starts with \"!WXBotwMKlVifIuEeBL\"",
            &location(&format!("{DRIFTED_INTERNAL}:chat.thephenom.app")),
            0,
        ),
        // cognito (seeds 000, 002, 003, 004)
        drifted(
            "cognito_wrong_issuer",
            "cognito/the-pool-s-issuer-is-the-pool-itself",
            "body json $.issuer",
            &location(&format!("https://{COGNITO}/{PROD_POOL}")),
            &location(&format!("https://{COGNITO}/{STAGING_POOL}")),
            0,
        ),
        drifted(
            "jwks_empty",
            "cognito/the-pool-publishes-signing-keys",
            "body json $.keys",
            "count > 0",
            "[]",
            // `each: RS256` over no keys does not hold either.
            1,
        ),
        drifted(
            "seed_004_client_missing",
            "cognito/the-spa-client-of-seed-004-exists-in-the-prod-pool",
            "body json $.__type",
            "one of [\"UserNotFoundException\", \"NotAuthorizedException\", \
             \"InvalidParameterException\"]",
            "\"ResourceNotFoundException\"",
            0,
        ),
        // dns (seeds 001, 004)
        drifted(
            "chat_a_private",
            "dns/chat-resolves-only-into-cloudflare-ipv4",
            "answers",
            &format!("in {CLOUDFLARE_V4}"),
            "[\"10.0.4.17\"]",
            0,
        ),
        drifted(
            "retired_name_back",
            "dns/the-retired-nest-prod-name-no-longer-resolves",
            "rcode",
            "\"NXDOMAIN\"",
            "\"NOERROR\"",
            0,
        ),
        // hasura (seeds 000, 001, 003)
        drifted(
            "hasura_leaks_users",
            "hasura/anonymous-introspection-sees-only-no-queries-available",
            "body json $.data.__schema.queryType.fields[*].name",
            "[\"no_queries_available\"]",
            "[\"users\", \"users_by_pk\"]",
            0,
        ),
        drifted(
            "table_query_answers",
            "hasura/an-anonymous-table-query-fails-validation",
            "body json $.errors[*].extensions.code",
            "contains \"validation-failed\"",
            // No `errors` at all: nothing to select from, not an empty list.
            "absent",
            1,
        ),
        // nest (seeds 002, 003, 004)
        drifted(
            "nest_api_open",
            "nest/api-refuses-callers-without-a-bearer-token",
            "status",
            "401",
            "200",
            0,
        ),
        drifted(
            "nest_api_open",
            "nest/api-refuses-a-malformed-bearer-token",
            "status",
            "401",
            "200",
            0,
        ),
        // signed in (seeds 000, 002, 003)
        drifted(
            "login_without_jwt",
            "auth/chat-accepts-the-member-token",
            "status",
            "200",
            "400",
            0,
        ),
        // With no gate at all, the outsider gets in too.
        drifted(
            "nest_api_open",
            "auth/nest-api-refuses-the-outsider",
            "status",
            "401",
            "200",
            0,
        ),
        drifted(
            "nest_gate_ignores_groups",
            "auth/nest-api-refuses-the-outsider",
            "status",
            "401",
            "200",
            0,
        ),
        drifted(
            "hasura_rows_unfiltered",
            "auth/hasura-shows-the-member-only-its-own-row",
            "body json $.data.users[*].email",
            "[\"member@standin.test\"]",
            "[\"member@standin.test\", \"staff@standin.test\"]",
            1,
        ),
        drifted(
            "nest_behind_access",
            "nest/the-spa-is-served-with-no-cloudflare-access-in-front",
            "status",
            "200",
            "302",
            2,
        ),
        drifted(
            "nest_behind_access",
            "nest/the-sign-in-page-is-served-by-the-spa-not-access",
            "status",
            "200",
            "302",
            1,
        ),
        drifted(
            "nest_firebase_open",
            "nest/nest-firebase-is-behind-cloudflare-access",
            "status",
            "302",
            "200",
            1,
        ),
        // origin (seed 001, "Edge and transport security")
        drifted(
            "alb_anonymous_accepted",
            "origin/the-raw-origin-refuses-a-client-without-a-certificate",
            "handshake",
            "rejected",
            "accepted",
            0,
        ),
        drifted(
            "alb_plaintext_served",
            "origin/port-80-redirects-to-https",
            "status",
            "301",
            "200",
            1,
        ),
    ]
}
