//! # mqa-plugin-sdk: write an mqa signal plugin in Rust
//!
//! This crate owns the plugin ABI (the `#[repr(C)]` types in [`abi`], mirrored
//! by `plugins/include/mqa_plugin.h`), the safe [`SignalPlugin`] trait a
//! plugin author implements, and the [`export_plugin!`] macro that turns an
//! implementation into a loadable library. It depends on `std` only.
//!
//! ## What a plugin is
//!
//! mqa scores B2B accounts with rule files. A rule file can pull *signals*
//! (time-stamped records about an account: intent topics, product usage,
//! enrichment) from a plugin:
//!
//! ```text
//! source intent = plugin "intent-csv" { path: "${data}/intent.csv" }
//! ```
//!
//! The engine loads the shared library `libintent_csv.so` (`.dylib` on macOS,
//! `intent_csv.dll` on Windows), calls [`SignalPlugin::open`] with the block's
//! settings as a JSON object (`{"path": "/data/intent.csv"}`), then
//! [`SignalPlugin::fetch`] with the accounts and time range it needs. Each
//! record has an account key (the account's `id` or `domain`, as
//! [`Metadata::join_key`] says), a time `at` (microseconds since the Unix
//! epoch, UTC) and one value per declared field.
//!
//! ## Writing one
//!
//! 1. `cargo new --lib my-plugin`; in `Cargo.toml` set
//!    `[lib] crate-type = ["cdylib"]` and depend on `mqa-plugin-sdk`.
//! 2. Implement the trait and export it:
//!
//! ```
//! use mqa_plugin_sdk::{export_plugin, Batch, Field, FieldType, JoinKey, Metadata, Request,
//!     SignalPlugin, Value};
//!
//! struct Hello;
//!
//! impl SignalPlugin for Hello {
//!     const METADATA: Metadata = Metadata {
//!         name: "hello",
//!         version: "1.0.0",
//!         vendor: "Example Corp",
//!         join_key: JoinKey::Domain,
//!         fields: &[Field { name: "greeting", ty: FieldType::Text }],
//!         thread_safe: true,
//!     };
//!
//!     fn open(_config_json: &str) -> Result<Self, String> {
//!         Ok(Hello)
//!     }
//!
//!     fn fetch(&mut self, request: &Request) -> Result<Batch, String> {
//!         let mut batch = Batch::new(Self::METADATA.fields);
//!         if request.wants_time(0) {
//!             batch.push_row("acme.example", 0, &[Value::Text("hi")])?;
//!         }
//!         Ok(batch)
//!     }
//! }
//!
//! export_plugin!(Hello);
//! ```
//!
//! 3. `cargo build --release`; put `target/release/libhello.so` in the rule
//!    file's `plugins/` folder (not writable by group or others), and run
//!    `mqa plugins list` to see it.
//!
//! ## Rules of the road
//!
//! * Bad input rows are reported with [`Batch::reject`], never skipped.
//! * A failure is an `Err(String)`: say what failed and name the file or URL.
//! * A panic is caught at the boundary and reported as an error, but the
//!   library must be built with `panic = "unwind"` (the default) for that.
//! * The host calls one handle from one thread at a time (not always the
//!   same thread: the type must be `Send`). Set `thread_safe: false` if two
//!   handles must not run at the same time either.
//! * The library is never unloaded.

#![allow(unsafe_code)]

pub mod abi;
mod batch;
#[doc(hidden)]
pub mod export;
mod types;

pub use batch::Batch;
pub use types::{Field, FieldType, JoinKey, Metadata, Reject, Request, Value};

/// A signal plugin: implement this, then call [`export_plugin!`] once.
///
/// The value returned by `open` is the handle: it lives until the host
/// closes the source, and is dropped then (implement `Drop` to clean up).
pub trait SignalPlugin: Sized + Send + 'static {
    /// What the plugin is and which fields its records carry.
    const METADATA: Metadata;

    /// Creates a handle from the rule file's settings, given as a JSON
    /// object (for `plugin "x" { path: "a.csv" }`: `{"path":"a.csv"}`).
    /// Check everything you can here (files exist, credentials parse), so a
    /// mistake is reported before any scoring starts.
    fn open(config_json: &str) -> Result<Self, String>;

    /// Returns the records of `request.account_keys` (all accounts when it
    /// is empty) whose `at` lies in `(request.from, request.to]`, built with
    /// `Batch::new(Self::METADATA.fields)`, plus every input row that could
    /// not be read (as rejects). Returning extra records is allowed.
    fn fetch(&mut self, request: &Request) -> Result<Batch, String>;
}

/// Exports `$plugin` (a type implementing [`SignalPlugin`]) as an mqa plugin:
/// defines the entry symbol `mqa_plugin_entry_v1`, whose descriptor's
/// functions run every call inside `catch_unwind`. Use it once per library.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        /// The mqa plugin entry point (ABI 1): returns this library's descriptor.
        #[allow(unsafe_code)]
        #[no_mangle]
        pub extern "C" fn mqa_plugin_entry_v1() -> *const $crate::abi::MqaPluginDescriptor {
            static DESCRIPTOR: $crate::export::DescriptorCell =
                $crate::export::DescriptorCell::new();
            DESCRIPTOR.get::<$plugin>()
        }
    };
}

#[cfg(test)]
mod tests;
