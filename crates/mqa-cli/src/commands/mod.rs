//! One module per subcommand.

pub mod check;
pub mod files;
pub mod fmt;
pub mod graph;
pub mod load;
