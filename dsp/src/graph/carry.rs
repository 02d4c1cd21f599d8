//! State carry-over from the graph being replaced: by copy (`carry_from`),
//! or by moving large buffers at a switch (`take_from`).

use super::Graph;

impl Graph {
    /// Takes over the running state of every module whose id and type are the
    /// same in `old`: phase, filter memory, envelopes, delay lines, and the
    /// glide position of smoothed parameters (so a changed value glides from
    /// where the old graph was). Also takes over the frame and fault counters.
    /// Allocates nothing, so it can run on a worker at an exact frame.
    pub fn carry_from(&mut self, old: &Graph) {
        for node in &mut self.nodes {
            if let Some(j) = old.find(&node.id) {
                let o = &old.nodes[j];
                if o.spec.name == node.spec.name {
                    node.module.carry_from(&*o.module);
                }
            }
        }
        self.carry_counters(old);
    }

    /// [`Graph::carry_from`] for a switch: `old` is retired, so modules swap
    /// their large buffers with it instead of copying them (see
    /// [`crate::Module::take_from`]); the cost no longer grows with delay and
    /// reverb memory. What `old` renders afterwards lacks the taken history,
    /// so a switch that changes nothing heard cuts instead of cross-fading
    /// ([`crate::Patch::heard_the_same`]); otherwise it is heard fading out
    /// and a carried delay's or reverb's tail enters over the fade.
    pub fn take_from(&mut self, old: &mut Graph) {
        for node in &mut self.nodes {
            if let Some(j) = old.find(&node.id) {
                let o = &mut old.nodes[j];
                if o.spec.name == node.spec.name {
                    node.module.take_from(&mut *o.module);
                }
            }
        }
        self.carry_counters(old);
    }

    fn carry_counters(&mut self, old: &Graph) {
        self.frames = old.frames;
        self.time = old.time;
        self.nan_resets = old.nan_resets;
        self.missed_events = old.missed_events;
    }
}
