pub mod decode;
pub mod diag;
pub mod model;
pub mod node;
pub mod quantity;
