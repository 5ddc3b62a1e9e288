//! One module per subcommand.

pub mod check;
pub mod explain;
pub mod files;
pub mod fmt;
pub mod generate;
pub mod graph;
pub mod load;
pub mod out_file;
pub mod plugin_cmds;
pub mod plugins;
pub mod score;
pub mod session;
pub mod test;
