//! Pure DSP core of synth-jack: module types, the patch graph with state
//! carry-over, and offline rendering. No JACK, threads or I/O, so everything
//! here is tested headless with `cargo test -p dsp`.

#![warn(missing_docs)]

#[macro_use]
pub mod declare;
pub mod budget;
pub mod denormal;
pub mod derived;
pub mod error;
pub mod event;
pub mod fft;
pub mod graph;
pub mod module;
pub mod modules;
pub mod name;
pub mod patch;
pub mod reference;
pub mod registry;
pub mod render;
pub mod running;
pub mod sample;
pub mod spec;
pub mod table;
pub mod tap;
pub mod time;
pub mod voice;

pub use error::PatchError;
pub use event::{Event, EventKind, NoteEvent};
pub use graph::Graph;
pub use module::{Module, Params, ProcessIo, Smoother, MAX_BLOCK};
pub use name::Name;
pub use patch::{ParamArg, Patch};
pub use registry::{BuildCtx, ModuleType, Registry};
pub use sample::{Sample, SampleRef};
pub use spec::{ModuleSpec, ParamKind, ParamSpec, PortSpec};
pub use time::Time;
