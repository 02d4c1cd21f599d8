use dsp::render::render_graph;
use dsp::{Graph, Patch};

#[test]
fn scratch() {
    let reg = dsp::registry::Registry::standard();
    let mut t = String::from("create out output\ncreate mlfo sine freq=3 gain=4\n");
    for v in 0..8 {
        t += &format!(
            "create mo{v} sine freq={} gain=0.05\nconnect mo{v} out\n",
            200 + 30 * v
        );
        if v % 2 == 0 {
            t += &format!("connect mlfo mo{v}.freq\n");
        }
    }
    let (p, _) = Patch::parse(&reg, &t).unwrap();
    let mut outs = Vec::new();
    for block in [256usize, 100, 37, 64] {
        let mut g = Graph::compile(&p, &reg, 48000.0, 2).unwrap();
        outs.push(render_graph(&mut g, &[], 24000, block));
    }
    for (k, o) in outs.iter().enumerate() {
        let d = o[0]
            .iter()
            .zip(&outs[0][0])
            .position(|(a, b)| a.to_bits() != b.to_bits());
        eprintln!("block variant {k}: first diff {d:?}");
    }
}
