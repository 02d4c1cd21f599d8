//! Routing: sinks, the output module, fan-out and fan-in, audio-rate parameter modulation.

use super::*;

#[test]
fn without_output_module_every_sink_is_heard_on_every_channel() {
    let reg = test_registry();
    let out = render(
        &reg,
        "create a sine freq=440 gain=0.3\n\
         create b sine freq=660 gain=0.2\n\
         create c sine freq=990 gain=0.1\n\
         # an LFO feeding a parameter is not a sink: not heard\n\
         create lfo sine freq=5 gain=3\n\
         connect lfo c.freq\n",
        2,
        48000,
    );
    for ch in &out {
        assert!((amplitude(ch, 440.0) - 0.3).abs() < 0.01);
        assert!((amplitude(ch, 660.0) - 0.2).abs() < 0.01);
        // c's frequency wobbles by ±3 Hz, spreading its energy a little.
        assert!(amplitude(ch, 990.0) > 0.05, "{}", amplitude(ch, 990.0));
        assert!(amplitude(ch, 5.0) < 1e-3);
    }
    assert_eq!(out[0], out[1]);
}

#[test]
fn output_module_routes_in1_everywhere_or_channels_apart() {
    let reg = test_registry();
    let mono = render(
        &reg,
        "create a sine freq=440 gain=0.3\ncreate b sine freq=660 gain=0.2\n\
         create out output\nconnect a out\n",
        2,
        4800,
    );
    assert_eq!(mono[0], mono[1]);
    assert!(amplitude(&mono[0], 660.0) < 1e-3, "b feeds nothing audible");
    let a_alone = render(&reg, "create a sine freq=440 gain=0.3\n", 1, 4800);
    assert_eq!(mono[0], a_alone[0]);

    let stereo = render(
        &reg,
        "create a sine freq=440 gain=0.3\ncreate b sine freq=660 gain=0.2\n\
         create out output\nconnect a out.left\nconnect b out.right\n",
        2,
        4800,
    );
    let b_alone = render(&reg, "create b sine freq=660 gain=0.2\n", 1, 4800);
    assert_eq!(stereo[0], a_alone[0]);
    assert_eq!(stereo[1], b_alone[0]);
}

#[test]
fn fan_out_and_fan_in_sum() {
    let reg = test_registry();
    // One output feeding several inputs, several outputs summed into one input.
    let both = render(
        &reg,
        "create a sine freq=440 gain=0.3\ncreate b sine freq=660 gain=0.2\n\
         create out output\n\
         connect a out.in1\nconnect b out.in1\nconnect a out.in2\n",
        2,
        4800,
    );
    let a = render(&reg, "create a sine freq=440 gain=0.3\n", 1, 4800);
    let b = render(&reg, "create b sine freq=660 gain=0.2\n", 1, 4800);
    for i in 0..4800 {
        assert_eq!(both[0][i], a[0][i] + b[0][i]);
        assert_eq!(both[1][i], a[0][i]);
    }
}

#[test]
fn parameter_connections_modulate_at_audio_rate() {
    let reg = test_registry();
    // A constant 4 (sine at 0 Hz, quarter phase) added to 440 Hz gives 444 Hz.
    let modulated = render(
        &reg,
        "create m sine freq=0 phase=0.25 gain=4\ncreate s sine freq=440 gain=0.5\n\
         connect m s.freq\n",
        1,
        4800,
    );
    let plain = render(&reg, "create s sine freq=444 gain=0.5\n", 1, 4800);
    assert_eq!(modulated[0], plain[0]);
    // Two modulators into the same parameter are summed.
    let two = render(
        &reg,
        "create m sine freq=0 phase=0.25 gain=4\ncreate n sine freq=0 phase=0.25 gain=2\n\
         create s sine freq=440 gain=0.5\nconnect m s.freq\nconnect n s.freq\n",
        1,
        4800,
    );
    let plain = render(&reg, "create s sine freq=446 gain=0.5\n", 1, 4800);
    assert_eq!(two[0], plain[0]);
    // An audio-rate modulator: FM sidebands appear at 440 ± 100 Hz with
    // amplitude 0.5·J1(4/100) ≈ 0.01 each.
    let fm = render(
        &reg,
        "create m sine freq=100 gain=4\ncreate s sine freq=440 gain=0.5\nconnect m s.freq\n",
        1,
        48000,
    );
    for f in [340.0, 540.0] {
        let a = amplitude(&fm[0], f);
        assert!((a - 0.01).abs() < 0.002, "{f} Hz: {a}");
    }
    let unmodulated = render(&reg, "create s sine freq=440 gain=0.5\n", 1, 48000);
    assert!(amplitude(&unmodulated[0], 540.0) < 1e-4);
}
