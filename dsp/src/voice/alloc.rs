//! Voice allocation: which voice plays a note, which one is stolen, what a
//! note-off or the sustain pedal does. Pure bookkeeping with fixed-size
//! storage (no DSP, no allocation after `new`), so every mode and policy is
//! unit-tested on its own. The instrument turns the [`Action`]s into sound.

/// How notes map to voices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One voice per note, up to `count`.
    Poly,
    /// One voice; every new note retriggers it.
    Mono,
    /// One voice; a note played while another is held only changes pitch.
    Legato,
}

/// Which held voice a poly instrument takes when all are busy. Releasing
/// voices are always taken first (the one released longest ago).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Steal {
    /// The voice whose note started first.
    Oldest,
    /// The voice with the lowest output level.
    Quietest,
    /// The voice playing the lowest note.
    Lowest,
    /// None: the new note is dropped.
    None,
}

/// Which held key sounds in mono and legato modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// The key pressed last.
    Last,
    /// The lowest key.
    Low,
    /// The highest key.
    High,
}

/// What the instrument must do to a voice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Start `note` on `voice` (gate on, trigger). `stolen` when the voice
    /// was still sounding another note: fade that one out first.
    Start {
        /// Voice index.
        voice: usize,
        /// Note number.
        note: f32,
        /// Velocity 0–1.
        vel: f32,
        /// The voice was sounding (held or releasing).
        stolen: bool,
    },
    /// Mono: restart the envelopes on the same voice at a new pitch (glide applies).
    Retrigger {
        /// Voice index.
        voice: usize,
        /// Note number.
        note: f32,
        /// Velocity 0–1.
        vel: f32,
    },
    /// Change pitch only (glide applies), gate stays open.
    Legato {
        /// Voice index.
        voice: usize,
        /// Note number.
        note: f32,
    },
    /// Close the gate: the voice goes into its release.
    Release {
        /// Voice index.
        voice: usize,
    },
    /// Fade the voice out now (all sound off).
    Kill {
        /// Voice index.
        voice: usize,
    },
}

/// State of one voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Silent, free to take.
    Free,
    /// Its key is down.
    Held,
    /// Its key is up but the sustain pedal holds it.
    Sustained,
    /// In its release, still sounding.
    Released,
}

#[derive(Debug, Clone, Copy)]
struct Voice {
    state: State,
    note: f32,
    /// Note-on order (larger is newer).
    age: u64,
    /// Release order.
    released: u64,
}

/// Most keys a mono instrument remembers as held.
const KEYS: usize = 128;

/// The allocator of one instrument.
#[derive(Debug, Clone)]
pub struct Allocator {
    /// Allocation mode.
    pub mode: Mode,
    /// Steal policy (poly).
    pub steal: Steal,
    /// Note priority (mono, legato).
    pub priority: Priority,
    voices: Vec<Voice>,
    /// Held keys in press order (mono, legato): note and velocity.
    keys: [(f32, f32); KEYS],
    nkeys: usize,
    sustain: bool,
    clock: u64,
    /// Notes dropped because every voice was held and `steal=none`.
    pub dropped: u64,
    /// Held (or pedal-sustained) voices taken by a new note (poly steals).
    pub stolen: u64,
}

impl Allocator {
    /// An allocator of `count` voices (at least 1).
    pub fn new(count: usize, mode: Mode, steal: Steal, priority: Priority) -> Self {
        let v = Voice {
            state: State::Free,
            note: 0.0,
            age: 0,
            released: 0,
        };
        Allocator {
            mode,
            steal,
            priority,
            voices: vec![v; count.max(1)],
            keys: [(0.0, 0.0); KEYS],
            nkeys: 0,
            sustain: false,
            clock: 0,
            dropped: 0,
            stolen: 0,
        }
    }

    /// Number of voices.
    pub fn count(&self) -> usize {
        self.voices.len()
    }

    /// State of voice `v`.
    pub fn state(&self, v: usize) -> State {
        self.voices[v].state
    }

    /// Note of voice `v` (its last one).
    pub fn note_of(&self, v: usize) -> f32 {
        self.voices[v].note
    }

    /// The instrument reports that voice `v` went silent after its release.
    pub fn silent(&mut self, v: usize) {
        if self.voices[v].state == State::Released {
            self.voices[v].state = State::Free;
        }
    }

    /// Copies the state of `old` (a commit); voices beyond this one's count are dropped.
    pub fn carry_from(&mut self, old: &Allocator) {
        for (v, o) in self.voices.iter_mut().zip(&old.voices) {
            *v = *o;
        }
        self.keys = old.keys;
        self.nkeys = old.nkeys;
        self.sustain = old.sustain;
        self.clock = old.clock;
        self.dropped = old.dropped;
        self.stolen = old.stolen;
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// A key goes down. `levels[v]` is voice `v`'s recent output level (for `quietest`).
    pub fn note_on(&mut self, note: f32, vel: f32, levels: &[f32], out: &mut impl FnMut(Action)) {
        match self.mode {
            Mode::Poly => self.poly_on(note, vel, levels, out),
            Mode::Mono | Mode::Legato => self.mono_on(note, vel, out),
        }
    }

    /// A key comes up.
    pub fn note_off(&mut self, note: f32, out: &mut impl FnMut(Action)) {
        match self.mode {
            Mode::Poly => {
                for v in 0..self.voices.len() {
                    if self.voices[v].state == State::Held && self.voices[v].note == note {
                        self.release(v, out);
                    }
                }
            }
            Mode::Mono | Mode::Legato => self.mono_off(note, out),
        }
    }

    /// The sustain pedal goes down or up.
    pub fn sustain(&mut self, on: bool, out: &mut impl FnMut(Action)) {
        self.sustain = on;
        if !on {
            for v in 0..self.voices.len() {
                if self.voices[v].state == State::Sustained {
                    self.voices[v].state = State::Held;
                    self.release(v, out);
                }
            }
        }
    }

    /// Releases every note (keys and pedal forgotten).
    pub fn all_off(&mut self, out: &mut impl FnMut(Action)) {
        self.nkeys = 0;
        self.sustain = false;
        for v in 0..self.voices.len() {
            if matches!(self.voices[v].state, State::Held | State::Sustained) {
                self.voices[v].state = State::Held;
                self.release(v, out);
            }
        }
    }

    /// Silences every voice at once (faded).
    pub fn all_sound_off(&mut self, out: &mut impl FnMut(Action)) {
        self.nkeys = 0;
        self.sustain = false;
        for v in 0..self.voices.len() {
            if self.voices[v].state != State::Free {
                self.voices[v].state = State::Free;
                out(Action::Kill { voice: v });
            }
        }
    }

    /// Releases `v` (a held voice), or marks it sustained while the pedal is down.
    fn release(&mut self, v: usize, out: &mut impl FnMut(Action)) {
        if self.sustain {
            self.voices[v].state = State::Sustained;
        } else {
            self.voices[v].state = State::Released;
            self.voices[v].released = self.tick();
            out(Action::Release { voice: v });
        }
    }

    fn poly_on(&mut self, note: f32, vel: f32, levels: &[f32], out: &mut impl FnMut(Action)) {
        let vs = &self.voices;
        let free = vs.iter().position(|v| v.state == State::Free);
        let released = || {
            (0..vs.len())
                .filter(|&i| vs[i].state == State::Released)
                .min_by_key(|&i| vs[i].released)
        };
        let busy = || (0..vs.len()).filter(|&i| vs[i].state != State::Free);
        let level = |i: usize| levels.get(i).copied().unwrap_or(0.0);
        let pick = free.or_else(released).or_else(|| match self.steal {
            Steal::Oldest => busy().min_by_key(|&i| vs[i].age),
            Steal::Quietest => busy().min_by(|&a, &b| level(a).total_cmp(&level(b))),
            Steal::Lowest => busy().min_by(|&a, &b| vs[a].note.total_cmp(&vs[b].note)),
            Steal::None => None,
        });
        let Some(v) = pick else {
            self.dropped += 1;
            return;
        };
        let stolen = self.voices[v].state != State::Free;
        if matches!(self.voices[v].state, State::Held | State::Sustained) {
            self.stolen += 1;
        }
        let age = self.tick();
        self.voices[v] = Voice {
            state: State::Held,
            note,
            age,
            released: 0,
        };
        out(Action::Start {
            voice: v,
            note,
            vel,
            stolen,
        });
    }

    /// The key that sounds among those held, by priority.
    fn sounding_key(&self) -> Option<(f32, f32)> {
        let keys = &self.keys[..self.nkeys];
        match self.priority {
            Priority::Last => keys.last().copied(),
            Priority::Low => keys.iter().copied().min_by(|a, b| a.0.total_cmp(&b.0)),
            Priority::High => keys.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0)),
        }
    }

    fn mono_on(&mut self, note: f32, vel: f32, out: &mut impl FnMut(Action)) {
        let before = self.sounding_key();
        let was_held = matches!(self.voices[0].state, State::Held | State::Sustained);
        // A key struck again moves to the top; when full, the oldest key is forgotten.
        if let Some(k) = self.keys[..self.nkeys].iter().position(|k| k.0 == note) {
            self.keys.copy_within(k + 1..self.nkeys, k);
            self.nkeys -= 1;
        }
        if self.nkeys == KEYS {
            self.keys.copy_within(1..KEYS, 0);
            self.nkeys -= 1;
        }
        self.keys[self.nkeys] = (note, vel);
        self.nkeys += 1;
        let (n, vel) = self.sounding_key().expect("a key is held");
        if was_held && before.is_some_and(|b| b.0 == n) {
            return; // priority keeps the sounding note
        }
        let v = &mut self.voices[0];
        let state = v.state;
        v.note = n;
        v.state = State::Held;
        let age = self.tick();
        self.voices[0].age = age;
        if self.mode == Mode::Legato && was_held {
            out(Action::Legato { voice: 0, note: n });
        } else if state == State::Free {
            out(Action::Start {
                voice: 0,
                note: n,
                vel,
                stolen: false,
            });
        } else {
            out(Action::Retrigger {
                voice: 0,
                note: n,
                vel,
            });
        }
    }

    fn mono_off(&mut self, note: f32, out: &mut impl FnMut(Action)) {
        let Some(k) = self.keys[..self.nkeys].iter().position(|k| k.0 == note) else {
            return;
        };
        self.keys.copy_within(k + 1..self.nkeys, k);
        self.nkeys -= 1;
        if !matches!(self.voices[0].state, State::Held | State::Sustained) {
            return;
        }
        match self.sounding_key() {
            // Back to a key still held: pitch only, in both mono and legato.
            Some((n, _)) if n != self.voices[0].note => {
                self.voices[0].note = n;
                out(Action::Legato { voice: 0, note: n });
            }
            Some(_) => {}
            None if self.voices[0].state == State::Held => self.release(0, out),
            None => {}
        }
    }
}
