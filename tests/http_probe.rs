mod support;
#[tokio::test]
async fn smoke() {}
