//! [`Graph::compile`]: a patch resolved into nodes in topological order,
//! wires between preallocated buffers, and the bundles parallel rendering
//! runs; all allocation of a graph's life happens here.

use super::*;

impl Graph {
    /// Compiles `patch` for `sample_rate` and `channels` output channels
    /// (1..=[`MAX_CHANNELS`]). Errors name what is wrong: an unknown type,
    /// module or port, a cycle (with the modules on it), a duplicate or bad
    /// id, or a patch over the memory budget. O(modules + connections);
    /// all allocation of the graph's life happens here.
    pub fn compile(
        patch: &Patch,
        reg: &Registry,
        sample_rate: f32,
        channels: usize,
    ) -> Result<Graph, PatchError> {
        // Lines are charged at the rate the graph is built for.
        let at_rate;
        let budget_reg = if reg.sample_rate() == sample_rate {
            reg
        } else {
            at_rate = {
                let mut r = reg.clone();
                r.set_sample_rate(sample_rate);
                r
            };
            &at_rate
        };
        budget_reg.check_budget(crate::budget::patch_bytes(patch, budget_reg), patch)?;
        // Shared tables are built here, never on the audio thread.
        crate::table::init();
        let (order, layout) = parts::arrange(patch, reg, &patch.topological_order()?);
        let channels = channels.clamp(1, MAX_CHANNELS);
        let mut slot_of = vec![0usize; patch.modules.len()];
        for (pos, &mi) in order.iter().enumerate() {
            slot_of[mi] = pos;
        }
        let slot_by_id: HashMap<&str, usize> = patch
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.as_str(), slot_of[i]))
            .collect();
        let mut nodes = Vec::with_capacity(order.len());
        let (mut n_in, mut n_out, mut n_mod) = (0, 0, 0);
        for &mi in &order {
            let decl = &patch.modules[mi];
            let id = Name::new(&decl.id).ok_or_else(|| PatchError::BadName(decl.id.clone()))?;
            let t = reg.lookup(&decl.kind)?;
            for (name, _) in &decl.params {
                if t.spec.param_index(name).is_none() {
                    return Err(PatchError::unknown_param(&decl.id, t.spec, name));
                }
            }
            if t.spec.inputs.len() > MAX_INPUTS {
                return Err(PatchError::OverCapacity {
                    what: "audio inputs in one module type",
                    limit: MAX_INPUTS,
                });
            }
            let mut module = if t.spec.name == crate::voice::instrument::SPEC.name {
                crate::voice::build_instrument(patch, decl, reg, sample_rate)?
            } else {
                reg.build(t, &decl.id, sample_rate)?
            };
            module.seed(id_hash(&decl.id));
            if t.spec.buffer {
                module.set_buffer(decl.buffer.as_deref().and_then(|b| reg.sample(b)));
            }
            for (i, p) in t.spec.params.iter().enumerate() {
                let v = decl
                    .params
                    .iter()
                    .find(|(n, _)| p.matches(n))
                    .map(|(_, v)| p.clamp(*v).0)
                    .unwrap_or(p.default);
                module.set_param_now(i, v);
            }
            nodes.push(Node {
                id,
                spec: t.spec,
                module,
                in_base: n_in,
                out_base: n_out,
                mod_base: n_mod,
                wires: 0..0,
            });
            n_in += t.spec.inputs.len();
            n_out += t.spec.outputs.len();
            n_mod += t.spec.params.len();
        }
        // Wires grouped by destination node, in topological order; within a
        // node, in connection order (so sums add up the same way every time).
        let mut per_node: Vec<Vec<Wire>> = vec![Vec::new(); nodes.len()];
        let mut input_connected = vec![false; n_in];
        let mut modulated = vec![false; n_mod];
        let mut feeds = vec![false; nodes.len()];
        for c in &patch.connections {
            let a = slot_by_id[c.from.as_str()];
            let b = slot_by_id[c.to.as_str()];
            let (sa, sb) = (nodes[a].spec, nodes[b].spec);
            let from_out =
                sa.output_index(&c.from_port)
                    .ok_or_else(|| PatchError::UnknownPort {
                        module: c.from.clone(),
                        kind: sa.name.to_string(),
                        port: c.from_port.clone(),
                        what: "output",
                    })?;
            let target = match sb.input_index(&c.to_port) {
                Some(i) => Target::Input(i),
                None => Target::Param(sb.param_index(&c.to_port).ok_or_else(|| {
                    PatchError::UnknownPort {
                        module: c.to.clone(),
                        kind: sb.name.to_string(),
                        port: c.to_port.clone(),
                        what: "input or parameter",
                    }
                })?),
            };
            feeds[a] = true;
            let from = (nodes[a].out_base + from_out) as u32;
            let w = match target {
                Target::Input(i) => Wire {
                    from,
                    to: (nodes[b].in_base + i) as u32,
                    to_param: false,
                    first: !std::mem::replace(&mut input_connected[nodes[b].in_base + i], true),
                    direct: false,
                },
                Target::Param(p) => Wire {
                    from,
                    to: (nodes[b].mod_base + p) as u32,
                    to_param: true,
                    first: !std::mem::replace(&mut modulated[nodes[b].mod_base + p], true),
                    direct: false,
                },
            };
            per_node[b].push(w);
        }
        // Many bundle wires into one tail input: summed per bundle first.
        let mut bundle_of_node = vec![u32::MAX; nodes.len()];
        for (b, r) in layout.bundles.iter().enumerate() {
            bundle_of_node[r.clone()].fill(b as u32);
        }
        let mut bundle_of_block = Vec::with_capacity(n_out);
        for (node, &b) in nodes.iter().zip(&bundle_of_node) {
            bundle_of_block.extend(std::iter::repeat_n(b, node.spec.outputs.len()));
        }
        let (partials, partial_blocks) = partial::plan(
            &mut per_node,
            layout.tail,
            layout.bundles.len(),
            &bundle_of_block,
        );
        // An input fed by exactly one wire reads that wire's source directly.
        let mut feeding = vec![0u32; n_in];
        for w in per_node.iter().flatten().filter(|w| !w.to_param) {
            feeding[w.to as usize] += 1;
        }
        let mut direct = vec![None; n_in];
        for w in per_node.iter_mut().flatten().filter(|w| !w.to_param) {
            if feeding[w.to as usize] == 1 {
                w.direct = true;
                direct[w.to as usize] = Some(w.from);
            }
        }
        let mut wires = Vec::with_capacity(patch.connections.len());
        for (i, ws) in per_node.into_iter().enumerate() {
            let start = wires.len();
            wires.extend(ws);
            nodes[i].wires = start..wires.len();
        }
        let outputs: Vec<usize> = (0..nodes.len())
            .filter(|&i| nodes[i].spec.name == "output")
            .collect();
        let sink = if outputs.is_empty() {
            Sink::Sum(
                (0..nodes.len())
                    .filter(|&i| !feeds[i] && !nodes[i].spec.outputs.is_empty())
                    .collect(),
            )
        } else {
            Sink::Output(outputs)
        };
        let mut by_id: Vec<(Name, u32)> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id, i as u32))
            .collect();
        by_id.sort();
        let midi = crate::voice::compile_midi(patch, reg, |id| {
            let n = Name::new(id)?;
            let i = by_id.binary_search_by(|(x, _)| x.cmp(&n)).ok()?;
            let node = by_id[i].1;
            Some((node, nodes[node as usize].spec))
        })?;
        let instruments: Vec<u32> = (0..nodes.len() as u32)
            .filter(|&i| nodes[i as usize].spec.name == crate::voice::instrument::SPEC.name)
            .collect();
        Ok(Graph {
            nodes,
            by_id,
            voice_jobs: Vec::with_capacity(instruments.len()),
            instruments,
            wires,
            inputs: vec![[0.0; MAX_BLOCK]; n_in],
            direct,
            input_connected,
            outputs: vec![[0.0; MAX_BLOCK]; n_out + partial_blocks],
            partials,
            modulation: vec![[0.0; MAX_BLOCK]; n_mod],
            modulated,
            sink,
            layout,
            midi,
            channels,
            sample_rate,
            nan_resets: 0,
            missed_events: 0,
            frames: 0,
            time: Time::new(sample_rate as f64, 120.0, 4.0),
        })
    }
}
