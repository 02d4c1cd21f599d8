//! Voice allocation: every mode, steal policy, note priority and the
//! sustain pedal, checked on the allocator's actions alone.

use dsp::voice::alloc::{Action, Allocator, Mode, Priority, State, Steal};

fn alloc(count: usize, mode: Mode, steal: Steal, priority: Priority) -> Allocator {
    Allocator::new(count, mode, steal, priority)
}

fn on(a: &mut Allocator, note: f32) -> Vec<Action> {
    on_levels(a, note, &[])
}

fn on_levels(a: &mut Allocator, note: f32, levels: &[f32]) -> Vec<Action> {
    let mut v = Vec::new();
    a.note_on(note, 0.5, levels, &mut |x| v.push(x));
    v
}

fn off(a: &mut Allocator, note: f32) -> Vec<Action> {
    let mut v = Vec::new();
    a.note_off(note, &mut |x| v.push(x));
    v
}

fn pedal(a: &mut Allocator, down: bool) -> Vec<Action> {
    let mut v = Vec::new();
    a.sustain(down, &mut |x| v.push(x));
    v
}

fn start(voice: usize, note: f32, stolen: bool) -> Action {
    Action::Start {
        voice,
        note,
        vel: 0.5,
        stolen,
    }
}

/// Fills a poly allocator with notes 60, 62, 64, 66 on voices 0..3.
fn full_poly(steal: Steal) -> Allocator {
    let mut a = alloc(4, Mode::Poly, steal, Priority::Last);
    for (v, n) in [60.0, 62.0, 64.0, 66.0].into_iter().enumerate() {
        assert_eq!(on(&mut a, n), vec![start(v, n, false)]);
    }
    a
}

#[test]
fn poly_takes_free_voices_first_then_releasing_ones() {
    let mut a = full_poly(Steal::Oldest);
    assert_eq!(off(&mut a, 64.0), vec![Action::Release { voice: 2 }]);
    assert_eq!(off(&mut a, 60.0), vec![Action::Release { voice: 0 }]);
    // Both releasing: the one released first (voice 2) is taken, before any held voice.
    assert_eq!(on(&mut a, 70.0), vec![start(2, 70.0, true)]);
    assert_eq!(a.stolen, 0, "a releasing voice taken is not a steal");
    // Once silent, a voice is free again and taken without stealing.
    a.silent(0);
    assert_eq!(on(&mut a, 72.0), vec![start(0, 72.0, false)]);
}

#[test]
fn poly_steals_the_oldest_note() {
    let mut a = full_poly(Steal::Oldest);
    assert_eq!(on(&mut a, 70.0), vec![start(0, 70.0, true)]);
    assert_eq!(on(&mut a, 71.0), vec![start(1, 71.0, true)]);
    assert_eq!(a.stolen, 2, "each held voice taken is counted");
}

#[test]
fn poly_steals_the_quietest_voice() {
    let mut a = full_poly(Steal::Quietest);
    let levels = [0.5, 0.4, 0.1, 0.3];
    assert_eq!(on_levels(&mut a, 70.0, &levels), vec![start(2, 70.0, true)]);
}

#[test]
fn poly_steals_the_lowest_note() {
    let mut a = alloc(3, Mode::Poly, Steal::Lowest, Priority::Last);
    on(&mut a, 64.0);
    on(&mut a, 55.0);
    on(&mut a, 70.0);
    assert_eq!(on(&mut a, 72.0), vec![start(1, 72.0, true)]);
}

#[test]
fn poly_with_steal_none_drops_the_new_note() {
    let mut a = full_poly(Steal::None);
    assert_eq!(on(&mut a, 70.0), vec![]);
    assert_eq!(a.dropped, 1);
    // A releasing voice is still taken.
    off(&mut a, 62.0);
    assert_eq!(on(&mut a, 70.0), vec![start(1, 70.0, true)]);
}

#[test]
fn note_off_releases_every_voice_of_that_note() {
    let mut a = alloc(4, Mode::Poly, Steal::Oldest, Priority::Last);
    on(&mut a, 60.0);
    on(&mut a, 60.0);
    on(&mut a, 62.0);
    assert_eq!(
        off(&mut a, 60.0),
        vec![Action::Release { voice: 0 }, Action::Release { voice: 1 }]
    );
    assert_eq!(a.state(2), State::Held);
}

#[test]
fn sustain_pedal_holds_released_keys_until_it_comes_up() {
    let mut a = alloc(4, Mode::Poly, Steal::Oldest, Priority::Last);
    on(&mut a, 60.0);
    assert_eq!(pedal(&mut a, true), vec![]);
    on(&mut a, 64.0);
    assert_eq!(off(&mut a, 60.0), vec![]);
    assert_eq!(off(&mut a, 64.0), vec![]);
    assert_eq!(a.state(0), State::Sustained);
    on(&mut a, 67.0); // still held when the pedal comes up
    assert_eq!(
        pedal(&mut a, false),
        vec![Action::Release { voice: 0 }, Action::Release { voice: 1 }]
    );
    assert_eq!(a.state(2), State::Held);
}

#[test]
fn mono_retriggers_and_returns_to_the_last_held_key() {
    let mut a = alloc(1, Mode::Mono, Steal::Oldest, Priority::Last);
    assert_eq!(on(&mut a, 60.0), vec![start(0, 60.0, false)]);
    assert_eq!(
        on(&mut a, 64.0),
        vec![Action::Retrigger {
            voice: 0,
            note: 64.0,
            vel: 0.5
        }]
    );
    // Releasing the sounding key goes back to the held one, pitch only.
    assert_eq!(
        off(&mut a, 64.0),
        vec![Action::Legato {
            voice: 0,
            note: 60.0
        }]
    );
    assert_eq!(off(&mut a, 60.0), vec![Action::Release { voice: 0 }]);
    // After the release, a new key retriggers the same voice.
    assert_eq!(
        on(&mut a, 62.0),
        vec![Action::Retrigger {
            voice: 0,
            note: 62.0,
            vel: 0.5
        }]
    );
}

#[test]
fn legato_changes_pitch_only_while_a_key_is_held() {
    let mut a = alloc(1, Mode::Legato, Steal::Oldest, Priority::Last);
    assert_eq!(on(&mut a, 60.0), vec![start(0, 60.0, false)]);
    let legato = |n| Action::Legato { voice: 0, note: n };
    assert_eq!(on(&mut a, 67.0), vec![legato(67.0)]);
    assert_eq!(off(&mut a, 60.0), vec![]); // not sounding: nothing changes
    assert_eq!(off(&mut a, 67.0), vec![Action::Release { voice: 0 }]);
    // Detached note: retrigger.
    assert!(matches!(on(&mut a, 65.0)[..], [Action::Retrigger { .. }]));
}

#[test]
fn mono_priorities_low_and_high() {
    let legato = |n| Action::Legato { voice: 0, note: n };
    let mut low = alloc(1, Mode::Legato, Steal::Oldest, Priority::Low);
    on(&mut low, 60.0);
    assert_eq!(on(&mut low, 67.0), vec![]); // higher key: 60 keeps sounding
    assert_eq!(on(&mut low, 55.0), vec![legato(55.0)]);
    assert_eq!(off(&mut low, 55.0), vec![legato(60.0)]);

    let mut high = alloc(1, Mode::Mono, Steal::Oldest, Priority::High);
    on(&mut high, 60.0);
    assert_eq!(on(&mut high, 55.0), vec![]);
    assert!(matches!(
        on(&mut high, 67.0)[..],
        [Action::Retrigger { note: 67.0, .. }]
    ));
    assert_eq!(off(&mut high, 67.0), vec![legato(60.0)]);
    assert_eq!(off(&mut high, 60.0), vec![legato(55.0)]);
}

#[test]
fn mono_sustain_holds_the_last_note() {
    let mut a = alloc(1, Mode::Mono, Steal::Oldest, Priority::Last);
    on(&mut a, 60.0);
    pedal(&mut a, true);
    assert_eq!(off(&mut a, 60.0), vec![]);
    assert_eq!(a.state(0), State::Sustained);
    assert_eq!(pedal(&mut a, false), vec![Action::Release { voice: 0 }]);
}

#[test]
fn all_off_releases_and_all_sound_off_kills() {
    let mut a = full_poly(Steal::Oldest);
    pedal(&mut a, true);
    off(&mut a, 60.0);
    let mut v = Vec::new();
    a.all_off(&mut |x| v.push(x));
    assert_eq!(
        v.len(),
        4,
        "held and sustained voices are all released: {v:?}"
    );
    let mut k = Vec::new();
    a.all_sound_off(&mut |x| k.push(x));
    assert_eq!(k.len(), 4);
    assert!((0..4).all(|i| a.state(i) == State::Free));
}
