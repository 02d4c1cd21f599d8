//! The instrument as a module: note events applied through the allocator,
//! rendering of the sounding copies, reset and carry-over at a commit.

use super::*;

impl Module for Instrument {
    fn params_mut(&mut self) -> &mut [Smoother] {
        &mut self.p
    }

    fn set_param(&mut self, index: usize, value: f32) {
        if let Some(s) = self.p.get_mut(index) {
            s.set(value);
        }
        let choice = value.max(0.0) as usize;
        match index {
            param::MODE => self.alloc.mode = [Mode::Poly, Mode::Mono, Mode::Legato][choice.min(2)],
            param::STEAL => {
                self.alloc.steal =
                    [Steal::Oldest, Steal::Quietest, Steal::Lowest, Steal::None][choice.min(3)]
            }
            param::PRIORITY => {
                self.alloc.priority = [Priority::Last, Priority::Low, Priority::High][choice.min(2)]
            }
            param::GLIDE => self.glide = value,
            param::DETUNE => self.detune = value,
            param::BEND => self.bend_range = value,
            param::GAIN => self.gain.set(value),
            _ => {} // count and unison: structural, applied at the next commit
        }
    }

    fn set_param_now(&mut self, index: usize, value: f32) {
        self.set_param(index, value);
        if let Some(s) = self.p.get_mut(index) {
            s.jump(value);
        }
        if index == param::GAIN {
            self.gain.jump(value);
        }
    }

    fn note(&mut self, ev: &NoteEvent) {
        // The allocator's actions go through a preallocated list, so the
        // allocator and the voices are never borrowed at once.
        let mut acts = std::mem::take(&mut self.actions);
        acts.clear();
        let mut push = |a| {
            if acts.len() < acts.capacity() {
                acts.push(a)
            }
        };
        let alloc = &mut self.alloc;
        match *ev {
            NoteEvent::On { note, vel } => {
                if alloc.steal == Steal::Quietest {
                    let u = self.unison;
                    for (v, l) in self.levels.iter_mut().enumerate() {
                        *l = self.owned[v * u..(v + 1) * u]
                            .iter()
                            .filter(|&&k| k != NONE)
                            .map(|&k| self.slots[k as usize].level)
                            .fold(0.0, f32::max);
                    }
                }
                alloc.note_on(note, vel, &self.levels, &mut push)
            }
            NoteEvent::Off { note } => alloc.note_off(note, &mut push),
            NoteEvent::Sustain(on) => alloc.sustain(on, &mut push),
            NoteEvent::AllOff => alloc.all_off(&mut push),
            NoteEvent::AllSoundOff => alloc.all_sound_off(&mut push),
            NoteEvent::Bend(semitones) => self.set_bend(semitones),
            NoteEvent::BendRange(x) => self.set_bend(x * self.bend_range),
            NoteEvent::Pressure(p) => {
                for s in self.slots.iter_mut() {
                    if let Some(n) = Self::note_mut(s) {
                        n.set_pressure(p);
                    }
                }
            }
            NoteEvent::PolyPressure { note, value } => {
                for v in 0..self.alloc.count() {
                    if self.alloc.state(v) != State::Free && self.alloc.note_of(v) == note {
                        self.each_note(v, |n, _| n.set_pressure(value));
                    }
                }
            }
            NoteEvent::Param {
                module,
                index,
                value,
            } => {
                // Sounding copies glide with the parameter's smoothing; idle
                // ones (not rendered, so their smoothers stand still) jump, or
                // their next note would start with a glide from a stale value.
                for s in self.slots.iter_mut() {
                    let g = &mut s.v.graph;
                    if let Some(i) = g.find(&module) {
                        let m = g.module_mut(i);
                        if s.on {
                            m.set_param(index as usize, value);
                        } else {
                            m.set_param_now(index as usize, value);
                        }
                    }
                }
            }
        }
        for a in acts.drain(..) {
            self.act(a);
        }
        self.actions = acts;
    }

    fn process(&mut self, io: &mut ProcessIo) {
        let n = io.frames;
        let out = &mut io.outputs[0][..n];
        self.sum_groups(out);
        if self.gain.is_moving() || self.gain.current != 1.0 {
            for o in out.iter_mut() {
                *o *= self.gain.next();
            }
        }
    }

    fn reset(&mut self) {
        // A voice produced NaN: silence everything and start over.
        self.prepared = false;
        self.alloc.all_sound_off(&mut |_| {});
        for &s in &self.active {
            let slot = &mut self.slots[s as usize];
            slot.on = false;
            if slot.owner == NONE {
                self.free.push(s);
            }
        }
        self.active.clear();
        self.per_group.fill(0);
    }

    /// Same count and unison: every voice carries over, copy by copy (the
    /// template's modules with unchanged id and type keep their state, so a
    /// held note goes on sounding in the new template). Otherwise only the
    /// copies' module state carries over and the new instrument starts with
    /// every voice free (the commit's cross-fade ends the old notes).
    fn carry_from(&mut self, old: &dyn Module) {
        let Some(o) = same_type::<Instrument>(old) else {
            return;
        };
        for (s, os) in self.slots.iter_mut().zip(&o.slots) {
            s.v.graph.carry_from(&os.v.graph);
        }
        self.gain.carry_from(&o.gain);
        self.last = o.last;
        if self.slots.len() != o.slots.len() || self.unison != o.unison {
            return;
        }
        for (s, os) in self.slots.iter_mut().zip(&o.slots) {
            s.owner = os.owner;
            s.on = os.on;
            s.gain = os.gain;
            s.fade = os.fade;
            s.quiet = os.quiet;
            s.level = os.level;
        }
        self.owned.copy_from_slice(&o.owned);
        self.free.clear();
        self.free.extend_from_slice(&o.free);
        self.active.clear();
        self.active.extend_from_slice(&o.active);
        self.per_group.copy_from_slice(&o.per_group);
        self.levels.copy_from_slice(&o.levels);
        self.alloc.carry_from(&o.alloc);
        self.bend = o.bend;
    }
}
