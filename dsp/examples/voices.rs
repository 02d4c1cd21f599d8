//! Fixed-work driver for instruction counts (`perf stat -e instructions`):
//! renders the DSP bench's voice patch (`n` × saw → ladder → adsr → vca,
//! summed into `output`, gates on) for a fixed number of 64-frame blocks.
//!
//! `cargo run --release -p dsp --example voices -- [voices] [blocks]`
//! (defaults 64 and 20000); prints the voice-samples rendered and a checksum.

use dsp::{Event, EventKind, Graph, Name, Patch, Registry};

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().unwrap());
    let voices = args.next().unwrap_or(64);
    let blocks = args.next().unwrap_or(20000);
    let t = dsp::reference::voices(voices, 0);
    let reg = Registry::standard();
    let patch: Patch = Patch::parse(&reg, &t).unwrap().0;
    let mut graph = Graph::compile(&patch, &reg, 48000.0, 2).unwrap();
    let mut first: Vec<Event> = (0..voices)
        .map(|v| Event {
            offset: 0,
            module: Name::new(&format!("env{v}")).unwrap(),
            kind: EventKind::Gate(true),
        })
        .collect();
    let mut out = vec![vec![0.0f32; 64]; 2];
    let mut sum = 0.0f64;
    for _ in 0..blocks {
        let (l, r) = out.split_at_mut(1);
        graph.process(&mut [&mut l[0][..], &mut r[0][..]], &first);
        first.clear();
        sum += out[0].iter().map(|x| x.abs() as f64).sum::<f64>();
    }
    println!("voice_samples={} checksum={sum:.6}", voices * blocks * 64);
}
