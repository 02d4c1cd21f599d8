//! `synth-jack send`: sends one OSC message and prints the replies.

use super::decode::{decode, show, switch};
use crate::cli::SendArgs;
use rosc::{OscMessage, OscPacket, OscType};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

/// Exit code: a reply came and it was not `/fail`.
pub const OK: i32 = 0;
/// Exit code: the reply was `/fail`.
pub const FAILED: i32 = 1;
/// Exit code: no reply before the timeout (or the message could not be sent).
pub const NO_REPLY: i32 = 2;

/// An argument from the command line: a string if it starts with `+` (a
/// relative musical time), an int if it parses as an i32, a
/// float if it parses as an f32, else a string (`true`/`false` too).
pub fn infer(arg: &str) -> OscType {
    if arg.starts_with('+') {
        // `+4` is a relative musical time (`/at +4 ...`), not a number.
        OscType::String(arg.to_string())
    } else if let Ok(i) = arg.parse::<i32>() {
        OscType::Int(i)
    } else if let Some(f) = arg.parse::<f32>().ok().filter(|_| looks_numeric(arg)) {
        OscType::Float(f)
    } else {
        OscType::String(arg.to_string())
    }
}

/// Rust parses `inf`, `nan` and `infinity` as floats; on a command line
/// those are words.
fn looks_numeric(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
}

/// A message as one line: `/address arg arg ...`.
pub fn format_message(m: &OscMessage) -> String {
    let mut line = m.addr.clone();
    for a in &m.args {
        line.push(' ');
        line.push_str(&show(a));
    }
    line
}

/// Messages answered only when they fail: the tool sends a `/sync` after
/// them and takes `/synced` as success.
fn silent(addr: &str) -> bool {
    addr.starts_with("/mod/") || addr.starts_with("/gate/")
}

fn messages(p: OscPacket, out: &mut Vec<OscMessage>) {
    match p {
        OscPacket::Message(m) => out.push(m),
        OscPacket::Bundle(b) => {
            for c in b.content {
                messages(c, out);
            }
        }
    }
}

/// Sends the message; returns the exit code (0 answered, 1 `/fail`, 2 no reply).
pub fn run(args: &SendArgs) -> i32 {
    match send(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("synth-jack send: {e}");
            NO_REPLY
        }
    }
}

fn send(args: &SendArgs) -> Result<i32, String> {
    if !args.address.starts_with('/') {
        return Err(format!(
            "bad address '{}': OSC addresses start with '/'",
            args.address
        ));
    }
    let target: SocketAddr = (args.host.as_str(), args.port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {}: {e}", args.host))?
        .next()
        .ok_or_else(|| format!("cannot resolve {}", args.host))?;
    let bind: SocketAddr = if target.is_ipv6() {
        "[::]:0".parse().expect("literal address")
    } else {
        "0.0.0.0:0".parse().expect("literal address")
    };
    let socket = UdpSocket::bind(bind).map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    let msg = OscMessage {
        addr: args.address.clone(),
        args: args.args.iter().map(|a| infer(a)).collect(),
    };
    let sync_id = std::process::id() as i32;
    let mut packets = vec![OscPacket::Message(msg)];
    let silent = silent(&args.address);
    if silent {
        packets.push(OscPacket::Message(OscMessage {
            addr: "/sync".into(),
            args: vec![OscType::Int(sync_id)],
        }));
    }
    // Connected, so a closed port is reported instead of waited out.
    socket
        .connect(target)
        .map_err(|e| format!("cannot reach {target}: {e}"))?;
    for p in &packets {
        let bytes = rosc::encoder::encode(p).map_err(|e| format!("cannot encode: {e}"))?;
        socket
            .send(&bytes)
            .map_err(|e| format!("cannot send to {target}: {e}"))?;
    }
    // `/notify 1` keeps printing notifications until the timeout.
    let listen = args.address == "/notify"
        && args.args.first().and_then(|a| switch(&infer(a))) == Some(true);
    let deadline = Instant::now() + Duration::from_secs_f64(args.timeout.clamp(0.0, 1e6));
    let mut buf = vec![0u8; 65_536];
    let mut code = NO_REPLY;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(code);
        }
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .map_err(|e| e.to_string())?;
        let n = match socket.recv(&mut buf) {
            Ok(r) => r,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(code)
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return Err(format!("nothing listens on {target}"))
            }
            Err(e) => return Err(format!("receive: {e}")),
        };
        let packet = match decode(&buf[..n]) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("synth-jack send: {e}");
                continue;
            }
        };
        let mut ms = Vec::new();
        messages(packet, &mut ms);
        for m in ms {
            if silent && m.addr == "/synced" && m.args == [OscType::Int(sync_id)] {
                return Ok(if code == FAILED { FAILED } else { OK });
            }
            println!("{}", format_message(&m));
            if m.addr == "/fail" {
                code = FAILED;
                if !silent {
                    return Ok(FAILED);
                }
            } else if code == NO_REPLY {
                code = OK;
            }
            if !silent && !listen && code == OK {
                return Ok(OK);
            }
        }
    }
}
