//! `module_type!`: the one place a module type declares its name, ports and
//! parameters. From that declaration come the type's [`ModuleSpec`]
//! (`SPEC`: read by the graph, the OSC layer, the patch-file parser, error
//! messages and `synth-jack modules`), its registry entry (`TYPE`) and named
//! indices (`param::CUTOFF`, `input::IN`, `output::OUT`), so no code matches
//! a raw parameter number and no default is written twice. A module keeps
//! its parameter values in a [`Params`](crate::module::Params) built from
//! `SPEC.params` (defaults, smoothing), so its constructor repeats nothing.
//!
//! ```ignore
//! crate::module_type! {
//!     name: "vca" | "amp",                  // type name | aliases
//!     description: "amplifier: out = in*gain*cv",
//!     inputs: [IN = "in", CV = "cv"],       // CONST = "name" | "alias" ...
//!     outputs: [OUT = "out"],
//!     params: [GAIN = shared::LEVEL],       // CONST = ParamSpec expression
//!     gate: false,
//!     // buffer: true,                     // reads a sample buffer (optional)
//!     build: |cx| Box::new(Vca::new(cx.sample_rate)),
//! }
//! ```
//!
//! See `docs/modules.md` ("Adding a module type") for the whole recipe.
//!
//! [`ModuleSpec`]: crate::spec::ModuleSpec

/// Declares a module type; see the [module documentation](crate::declare).
#[macro_export]
macro_rules! module_type {
    (
        name: $name:literal $(| $alias:literal)*,
        description: $desc:expr,
        inputs: [$($ic:ident = $iname:literal $(| $ia:literal)*),* $(,)?],
        outputs: [$($oc:ident = $oname:literal $(| $oa:literal)*),* $(,)?],
        params: [$($pc:ident = $p:expr),* $(,)?],
        gate: $gate:expr,
        $(buffer: $buffer:expr,)?
        build: $build:expr $(,)?
    ) => {
        #[doc = concat!("Metadata of `", $name, "`, declared once (see [`crate::declare`]).")]
        pub static SPEC: $crate::spec::ModuleSpec = $crate::spec::ModuleSpec {
            name: $name,
            aliases: &[$($alias),*],
            description: $desc,
            inputs: &[$($crate::spec::PortSpec::aliased($iname, &[$($ia),*])),*],
            outputs: &[$($crate::spec::PortSpec::aliased($oname, &[$($oa),*])),*],
            params: &[$($p),*],
            gate: $gate,
            buffer: false $(|| $buffer)?,
        };

        #[doc = concat!("The `", $name, "` type, for the registry.")]
        pub const TYPE: $crate::registry::ModuleType = $crate::registry::ModuleType {
            spec: &SPEC,
            build: $build,
        };

        $crate::__indices!(param, "Parameter", $($pc),*);
        $crate::__indices!(input, "Audio input", $($ic),*);
        $crate::__indices!(output, "Audio output", $($oc),*);
    };
}

/// Named indices for `module_type!` (one module per kind of port).
#[doc(hidden)]
#[macro_export]
macro_rules! __indices {
    ($m:ident, $what:literal, $($c:ident),*) => {
        #[doc = concat!($what, " indices of this type, in declaration order.")]
        #[allow(dead_code)]
        pub mod $m {
            #[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
            #[repr(usize)]
            enum Index {
                $($c,)*
                __Count,
            }
            $(
                #[doc = concat!($what, " `", stringify!($c), "`.")]
                pub const $c: usize = Index::$c as usize;
            )*
            #[doc = concat!("How many (", $what, ").")]
            pub const COUNT: usize = Index::__Count as usize;
        }
    };
}
