//! One module per subcommand.

pub mod check;
pub mod files;
pub mod fmt;
pub mod graph;
pub mod load;
pub mod plugins;
pub mod score;
pub mod session;
