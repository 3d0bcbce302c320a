//! The configuration: check files and environments, their data model (`model`), and the
//! decoders that turn YAML into it, with every error located at file:line:column.

pub mod adhoc;
pub mod checkfile;
pub mod claims;
pub mod closed;
pub mod dialogue;
pub mod environment;
pub mod flow_graph;
pub mod http;
pub mod interpolate;
pub mod kind;
pub mod load;
pub mod model;
pub mod net;
pub mod overrides;
pub mod pem;
pub mod proxy;
pub mod schema;
pub mod tls;
pub mod vars;
