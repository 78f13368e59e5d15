//! Reads Solomon VRPTW benchmark instances (the classic text format) as a [`Problem`]: each
//! vehicle an engineer starting and ending at the depot, each customer a job with its demand,
//! window and service time. Used by the benchmark and the tests; travel is [`crate::travel::Euclidean`].

use crate::problem::{Engineer, Job, Pin, Problem};
use crate::travel::Point;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("not a Solomon instance: {0}")]
pub struct ParseError(String);

pub fn parse(text: &str) -> Result<Problem, ParseError> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut vehicles = None;
    let mut rows = Vec::new();
    while let Some(line) = lines.next() {
        if line.starts_with("NUMBER") {
            let values = lines
                .next()
                .ok_or_else(|| ParseError("no vehicle line".into()))?;
            let v: Vec<f64> = numbers(values)?;
            if v.len() < 2 {
                return Err(ParseError("vehicle line needs number and capacity".into()));
            }
            vehicles = Some((v[0] as usize, v[1]));
        } else if line.chars().next().is_some_and(|c| c.is_ascii_digit()) && vehicles.is_some() {
            let v = numbers(line)?;
            if v.len() != 7 {
                return Err(ParseError(format!(
                    "customer line {line:?} needs 7 numbers"
                )));
            }
            rows.push(v);
        }
    }
    let (count, capacity) = vehicles.ok_or_else(|| ParseError("no VEHICLE section".into()))?;
    let depot = rows
        .first()
        .ok_or_else(|| ParseError("no depot".into()))?
        .clone();
    let base = Point {
        x: depot[1],
        y: depot[2],
    };
    let engineers = (0..count)
        .map(|i| Engineer {
            key: format!("v{i}"),
            start: base,
            end: base,
            shift_start: depot[4],
            shift_end: depot[5],
            break_minutes: 0.0,
            skills: Vec::new(),
            certifications: Vec::new(),
            capacity: Some(capacity),
        })
        .collect();
    let jobs = rows[1..]
        .iter()
        .map(|r| Job {
            key: format!("c{}", r[0] as u32),
            at: Point { x: r[1], y: r[2] },
            duration: r[6],
            earliest: r[4],
            latest: r[5],
            due: None,
            skill: None,
            certification: None,
            demand: r[3],
            priority: 3,
            pin: Pin::Free,
        })
        .collect();
    Ok(Problem { engineers, jobs })
}

fn numbers(line: &str) -> Result<Vec<f64>, ParseError> {
    line.split_whitespace()
        .map(|n| {
            n.parse::<f64>()
                .map_err(|_| ParseError(format!("{n:?} is not a number")))
        })
        .collect()
}
