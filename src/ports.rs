//! JACK port metadata: pretty names, port groups and order under the
//! standard keys of <http://jackaudio.org/metadata/>, so qjackctl, Carla and
//! Ardour show `Out L`, `Out R`, `MIDI In` in one group, in order
//! (`jack_property -l` lists them). Set at every (re)activation.

use jack::jack_sys as j;

/// Key of a port's or client's human-readable name.
pub const PRETTY_NAME: &str = "http://jackaudio.org/metadata/pretty-name";
/// Key of the group a port belongs to (ports of one group belong together,
/// e.g. the channels of a stereo pair).
pub const PORT_GROUP: &str = "http://jackaudio.org/metadata/port-group";
/// Key of a port's position among its client's ports.
pub const ORDER: &str = "http://jackaudio.org/metadata/order";
/// Key of a port's signal type (`AUDIO` or `CV` for audio ports).
pub const SIGNAL_TYPE: &str = "http://jackaudio.org/metadata/signal-type";
/// Type of the `order` value.
const INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
/// The output ports' group.
pub const OUTPUT_GROUP: &str = "Outputs";

/// What to say about one port.
#[derive(Debug, Clone, PartialEq)]
pub struct PortInfo {
    /// Pretty name (`Out L`).
    pub pretty: String,
    /// Group (`Outputs`).
    pub group: String,
    /// Position among the client's ports, from 0.
    pub order: usize,
}

/// The pretty name of output `i` (from 0) of `n`: `Out L`/`Out R` for a
/// stereo pair, `Out` for mono, `Out 1`..`Out N` otherwise.
pub fn output_pretty_name(i: usize, n: usize) -> String {
    match (n, i) {
        (1, _) => "Out".into(),
        (2, 0) => "Out L".into(),
        (2, _) => "Out R".into(),
        _ => format!("Out {}", i + 1),
    }
}

/// Metadata for the `n` output ports.
pub fn outputs(n: usize) -> Vec<PortInfo> {
    (0..n)
        .map(|i| PortInfo {
            pretty: output_pretty_name(i, n),
            group: OUTPUT_GROUP.into(),
            order: i,
        })
        .collect()
}

/// The UUID metadata is attached to for `port`.
pub fn port_uuid<P: jack::PortSpec>(port: &jack::Port<P>) -> j::jack_uuid_t {
    // SAFETY: the handle of a registered port, alive as long as `port`.
    unsafe { j::jack_port_uuid(port.raw()) }
}

/// Sets `info` on the port with `uuid` (see [`port_uuid`]); `audio` adds
/// the `AUDIO` signal type. Logs what JACK refuses.
pub fn describe(client: &jack::Client, uuid: j::jack_uuid_t, info: &PortInfo, audio: bool) {
    let mut props = vec![
        (PRETTY_NAME, jack::Property::new(&info.pretty, None)),
        (PORT_GROUP, jack::Property::new(&info.group, None)),
        (ORDER, jack::Property::new(info.order, Some(INTEGER.into()))),
    ];
    if audio {
        props.push((SIGNAL_TYPE, jack::Property::new("AUDIO", None)));
    }
    for (key, value) in props {
        if let Err(e) = client.property_set(uuid, key, &value) {
            log::warn!("cannot set JACK metadata {key} on '{}': {e:?}", info.pretty);
            return;
        }
    }
}

/// Describes the client itself (pretty name `synth-jack`, or the name it
/// was given) and its audio outputs.
pub fn describe_outputs<P: jack::PortSpec>(client: &jack::Client, ports: &[jack::Port<P>]) {
    let name = client.name().to_string();
    if let Err(e) =
        client.property_set(client.uuid(), PRETTY_NAME, &jack::Property::new(name, None))
    {
        log::warn!("cannot set the client's JACK metadata: {e:?}");
    }
    for (p, info) in ports.iter().zip(outputs(ports.len())) {
        describe(client, port_uuid(p), &info, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_named_for_their_channel_count() {
        let names = |n| outputs(n).into_iter().map(|p| p.pretty).collect::<Vec<_>>();
        assert_eq!(names(1), ["Out"]);
        assert_eq!(names(2), ["Out L", "Out R"]);
        assert_eq!(names(3), ["Out 1", "Out 2", "Out 3"]);
        assert!(outputs(4).iter().enumerate().all(|(i, p)| p.order == i));
    }
}
