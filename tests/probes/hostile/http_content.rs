//! Hostile bodies that are well framed: a gzip bomb and JSON nested too deep.

use super::observe;
use crate::support::*;
use conform::config::model::{HttpExpect, JsonExpect};
use conform::judge::judge_http;
use conform::matcher::Matcher;

// ---- a gzip bomb and JSON too deep -------------------------------------------------------

/// Bits packed as DEFLATE packs them: fields LSB first, Huffman codes MSB first.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    used: u32,
}

impl Bits {
    fn bit(&mut self, b: u32) {
        if self.used == 0 {
            self.out.push(0);
        }
        *self.out.last_mut().unwrap() |= ((b & 1) as u8) << self.used;
        self.used = (self.used + 1) % 8;
    }

    fn field(&mut self, value: u32, len: u32) {
        (0..len).for_each(|i| self.bit(value >> i));
    }

    fn code(&mut self, code: u32, len: u32) {
        (0..len).rev().for_each(|i| self.bit(code >> i));
    }
}

/// Zero bytes in this gzip stream: 1 + 258 × [`BOMB_MATCHES`] (64 MiB and 33 bytes).
const BOMB_MATCHES: u32 = 260_112;
const BOMB_SIZE: u32 = 1 + 258 * BOMB_MATCHES;
/// CRC-32 of [`BOMB_SIZE`] zero bytes.
const BOMB_CRC: u32 = 0xb74b_9eb2;

/// A gzip stream of about 413 KiB that inflates to 64 MiB of zeros: one fixed-Huffman block,
/// a literal zero and then matches of 258 bytes at distance 1.
fn gzip_bomb() -> Vec<u8> {
    let mut bits = Bits::default();
    bits.field(1, 1); // BFINAL
    bits.field(1, 2); // BTYPE 01: fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    for _ in 0..BOMB_MATCHES {
        bits.code(0xc5, 8); // length code 285: 258 bytes
        bits.code(0, 5); // distance code 0: 1 byte back
    }
    bits.code(0, 7); // end of block
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gz.extend_from_slice(&bits.out);
    gz.extend_from_slice(&BOMB_CRC.to_le_bytes());
    gz.extend_from_slice(&BOMB_SIZE.to_le_bytes());
    gz
}

#[tokio::test]
async fn a_gzip_bomb_is_kept_as_raw_bytes_and_capped() {
    let bomb = gzip_bomb();
    assert!(bomb.len() < 450 * 1024, "{}", bomb.len());
    let served = bomb.clone();
    let server = TestServer::start(TestServerConfig::http(move |_| {
        TestResponse::ok(served.clone()).header("content-encoding", "gzip")
    }))
    .await;

    // Under the default 1 MiB cap: the compressed bytes, as sent.
    let seen = observe(&http_probe(&server.url("/bomb"))).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.header_values("content-encoding"), vec!["gzip"]);
    assert_eq!(seen.body_exceeded, None);
    assert_eq!(seen.body.len(), bomb.len());
    assert!(seen.body == bomb, "the body is not the raw gzip stream");

    // Under a smaller cap: the first bytes of the compressed stream.
    let mut probe = http_probe(&server.url("/bomb"));
    probe.body_limit = 64 * 1024;
    let seen = observe(&probe).await;
    assert_eq!(seen.body.len(), 64 * 1024);
    assert!(seen.body[..] == bomb[..64 * 1024]);
    let exceeded = seen.body_exceeded.expect("body_exceeded set");
    assert!(
        exceeded > 64 * 1024 && exceeded <= bomb.len() as u64,
        "{exceeded}"
    );
}

#[tokio::test]
async fn json_nested_100000_deep_is_judged_not_json() {
    let depth = 100_000;
    let mut body = "[".repeat(depth);
    body.push_str(&"]".repeat(depth));
    let server = TestServer::start(TestServerConfig::http(move |_| {
        TestResponse::ok(body.clone()).header("content-type", "application/json")
    }))
    .await;
    let seen = observe(&http_probe(&server.url("/deep"))).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body.len(), 2 * depth);
    assert_eq!(seen.body_exceeded, None);

    let path = "$[0][0]";
    let expect = HttpExpect {
        json: vec![JsonExpect {
            path_text: path.into(),
            path: serde_json_path::JsonPath::parse(path).expect("a JSONPath"),
            singular: true,
            parent: None,
            matcher: Matcher::Present,
        }],
        ..HttpExpect::default()
    };
    let mismatches = judge_http(
        &expect,
        &seen,
        &conform::syntax::when::Clock::Live,
        &conform::matcher::KeySets::default(),
    );
    assert_eq!(mismatches.len(), 1, "{mismatches:?}");
    let m = &mismatches[0];
    assert_eq!(m.field, "body json $[0][0]");
    assert_eq!(m.expected, "present");
    assert_eq!(
        m.actual,
        format!(
            "a body that is not JSON (recursion limit exceeded at line 1 column 128): {:?}",
            "[".repeat(200)
        )
    );
    assert_eq!(m.note.as_deref(), Some("content-type: application/json"));
}
