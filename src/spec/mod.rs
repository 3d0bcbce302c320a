pub mod decode;
pub mod diag;
pub mod node;
pub mod quantity;
