//! engine.json, and the combined report (report.md, report.json) with the
//! DSP figures of `cargo bench -p dsp --bench dsp` (dsp.json).

use crate::{fmt_value, Ctx, Metric};
use std::collections::BTreeMap;
use std::path::Path;

/// A JSON string literal.
fn js(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A JSON number (null for NaN).
fn jn(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}

/// A value of a flat JSON object.
#[derive(Debug, Clone)]
enum Val {
    Num(f64),
    Str(String),
}

/// Parses the `"key": value` pairs of one line holding a flat JSON object
/// (what dsp.json and engine.json put on each item's line).
fn parse_flat(line: &str) -> BTreeMap<String, Val> {
    let mut out = BTreeMap::new();
    let c: Vec<char> = line.chars().collect();
    let mut k = 0;
    let read_str = |k: &mut usize| -> String {
        let mut s = String::new();
        *k += 1;
        while *k < c.len() && c[*k] != '"' {
            if c[*k] == '\\' && *k + 1 < c.len() {
                *k += 1;
                match c[*k] {
                    'n' => s.push('\n'),
                    'u' if *k + 4 < c.len() => {
                        let hex: String = c[*k + 1..*k + 5].iter().collect();
                        if let Some(ch) =
                            u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                        {
                            s.push(ch);
                        }
                        *k += 4;
                    }
                    other => s.push(other),
                }
            } else {
                s.push(c[*k]);
            }
            *k += 1;
        }
        *k += 1;
        s
    };
    while k < c.len() {
        if c[k] != '"' {
            k += 1;
            continue;
        }
        let key = read_str(&mut k);
        while k < c.len() && (c[k] == ':' || c[k] == ' ') {
            k += 1;
        }
        if k >= c.len() {
            break;
        }
        if c[k] == '"' {
            let v = read_str(&mut k);
            out.insert(key, Val::Str(v));
        } else {
            let start = k;
            while k < c.len() && !matches!(c[k], ',' | '}') {
                k += 1;
            }
            let t: String = c[start..k].iter().collect();
            let v = t.trim().parse().unwrap_or(f64::NAN);
            out.insert(key, Val::Num(v));
        }
    }
    out
}

fn get_str(m: &BTreeMap<String, Val>, k: &str) -> String {
    match m.get(k) {
        Some(Val::Str(s)) => s.clone(),
        _ => String::new(),
    }
}

fn get_num(m: &BTreeMap<String, Val>, k: &str) -> f64 {
    match m.get(k) {
        Some(Val::Num(v)) => *v,
        _ => f64::NAN,
    }
}

/// The metrics as JSON array items, one per line.
fn metric_items(metrics: &[Metric]) -> String {
    let mut s = String::new();
    for (k, m) in metrics.iter().enumerate() {
        s += &format!(
            "    {{\"name\": {}, \"label\": {}, \"value\": {}, \"unit\": {}, \"note\": {}}}{}\n",
            js(&m.name),
            js(&m.label),
            jn(m.value),
            js(&m.unit),
            js(&m.note),
            if k + 1 < metrics.len() { "," } else { "" }
        );
    }
    s
}

/// Writes engine.json: one metric per line.
pub fn write_engine_json(path: &Path, metrics: &[Metric], secs: f64) {
    let mut s = format!(
        "{{\n  \"suite\": \"engine\",\n  \"unix_time\": {},\n  \"seconds\": {secs:.0},\n  \"items\": [\n",
        unix_now()
    );
    s += &metric_items(metrics);
    s += "  ]\n}\n";
    if let Err(e) = std::fs::write(path, s) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}

/// Reads engine.json back (for partial runs and `report`).
pub fn read_engine_json(path: &Path) -> Vec<Metric> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| l.contains("\"name\": \"engine."))
        .map(|l| {
            let m = parse_flat(l);
            Metric {
                name: get_str(&m, "name"),
                label: get_str(&m, "label"),
                value: get_num(&m, "value"),
                unit: get_str(&m, "unit"),
                note: get_str(&m, "note"),
            }
        })
        .collect()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn date() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// DSP rows from dsp.json: (label, value, unit, note).
fn dsp_rows(text: &str) -> Vec<(String, f64, String, String)> {
    let mut rows = Vec::new();
    for l in text.lines().filter(|l| l.contains("\"name\": \"dsp.")) {
        let m = parse_flat(l);
        let name = get_str(&m, "name");
        let nums: Vec<(&String, f64)> = m
            .iter()
            .filter_map(|(k, v)| match v {
                Val::Num(x) => Some((k, *x)),
                _ => None,
            })
            .collect();
        let (key, value) = if m.contains_key("ns_per_sample") {
            ("ns_per_sample".to_string(), get_num(&m, "ns_per_sample"))
        } else if m.contains_key("ns_per_voice_sample") {
            (
                "ns_per_voice_sample".to_string(),
                get_num(&m, "ns_per_voice_sample"),
            )
        } else if let Some((k, v)) = nums.first() {
            ((*k).clone(), *v)
        } else {
            continue;
        };
        let note: Vec<String> = nums
            .iter()
            .filter(|(k, _)| **k != key)
            .map(|(k, v)| format!("{k} {}", fmt_value(*v)))
            .collect();
        rows.push((
            format!("DSP: {}", name.trim_start_matches("dsp.")),
            value,
            key.replace("_per_", "/").replace('_', " "),
            note.join(", "),
        ));
    }
    rows
}

/// Writes report.md and report.json and prints the table.
pub fn write(ctx: &Ctx, metrics: &[Metric]) {
    let dsp_text = std::fs::read_to_string(ctx.out.join("dsp.json")).unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: String = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let header = format!(
        "{} — {} ({} cores); servers: {}, dummy backend, 48 kHz; load average at report time {}",
        date(),
        machine(),
        cores,
        crate::procs::sched_note(),
        load
    );
    let mut sorted: Vec<&Metric> = metrics.iter().collect();
    // Rows in the order of the list (a. .. g.), unmeasured ones last.
    sorted.sort_by_key(|m| {
        let c = m.label.chars().next().unwrap_or('z');
        if m.label.chars().nth(1) == Some('.') {
            c
        } else {
            'z'
        }
    });
    let mut rows: Vec<(String, String, String, String)> = sorted
        .iter()
        .map(|m| {
            (
                m.label.clone(),
                fmt_value(m.value),
                m.unit.clone(),
                m.note.clone(),
            )
        })
        .collect();
    for (l, v, u, n) in dsp_rows(&dsp_text) {
        rows.push((l, fmt_value(v), u, n));
    }
    if dsp_text.is_empty() {
        rows.push((
            "DSP".into(),
            "n/a".into(),
            String::new(),
            "target/bench/dsp.json missing (cargo bench -p dsp --bench dsp)".into(),
        ));
    }
    let cell = |s: &str| s.replace('|', "\\|");
    let mut md = format!(
        "# synth-jack benchmarks\n\n{header}\n\n`make bench` (bench/run.sh). Details and method: docs/performance.md.\n\n| measurement | value | unit | notes |\n| --- | ---: | --- | --- |\n"
    );
    for (l, v, u, n) in &rows {
        md += &format!("| {} | {} | {} | {} |\n", cell(l), v, cell(u), cell(n));
    }
    let _ = std::fs::write(ctx.out.join("report.md"), &md);
    let mut json = format!(
        "{{\n  \"date\": {},\n  \"machine\": {},\n  \"cores\": {cores},\n  \"loadavg\": {},\n  \"engine\": [\n",
        js(&date()),
        js(&machine()),
        js(&load)
    );
    json += &metric_items(metrics);
    json += "  ],\n  \"dsp\": ";
    json += if dsp_text.trim().is_empty() {
        "null"
    } else {
        dsp_text.trim()
    };
    json += "\n}\n";
    let _ = std::fs::write(ctx.out.join("report.json"), json);
    // The one table, aligned for a terminal (notes shortened), also in report.txt.
    let w0 = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(10);
    let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(5);
    let w2 = rows.iter().map(|r| r.2.chars().count()).max().unwrap_or(5);
    let mut txt = format!("{header}\n");
    for (l, v, u, n) in &rows {
        let short: String = n.chars().take(100).collect();
        txt += &format!(
            "{l:<w0$}  {v:>w1$}  {u:<w2$}  {short}{}\n",
            if n.chars().count() > 100 { "…" } else { "" }
        );
    }
    txt += &format!(
        "full notes: {}; figures: {}\n",
        ctx.out.join("report.md").display(),
        ctx.out.join("report.json").display()
    );
    let _ = std::fs::write(ctx.out.join("report.txt"), &txt);
    println!("\n{txt}");
}
