//! KPI charts as SVG, drawn with plotters: a line over periods (the trend) and bars per slice,
//! each with the target as a dashed line. The dashboard shows them as images and the review
//! pack draws the same series. Labels are SVG text: the viewer's fonts draw Chinese.

use plotters::prelude::*;

use crate::error::{Error, Result};

/// One point or bar: its label and value (none: no data, left as a gap).
pub type Series = [(String, Option<f64>)];

const BLUE: RGBColor = RGBColor(29, 78, 216);
const RED: RGBColor = RGBColor(185, 28, 28);

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("chart: {e}"))
}

/// The value range to draw: the data and the target, with a margin, from 0 when all are
/// positive.
fn range(series: &Series, target: Option<f64>) -> (f64, f64) {
    let values = series.iter().filter_map(|(_, v)| *v).chain(target);
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let lo = if lo >= 0.0 { 0.0 } else { lo * 1.1 };
    let hi = if hi <= 0.0 { 1.0 } else { hi * 1.1 };
    (lo, hi)
}

/// A line over periods, oldest first.
pub fn trend(title: &str, series: &Series, target: Option<f64>) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let (lo, hi) = range(series, target);
        let n = series.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d(0usize..n, lo..hi)
            .map_err(failed)?;
        let labels: Vec<String> = series.iter().map(|(l, _)| l.clone()).collect();
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(WHITE)
            .draw()
            .map_err(failed)?;
        // Each run of periods with data is one line; a period without data is a gap.
        for run in series
            .iter()
            .enumerate()
            .collect::<Vec<_>>()
            .split(|(_, (_, v))| v.is_none())
        {
            let points: Vec<(usize, f64)> = run
                .iter()
                .filter_map(|(i, (_, v))| v.map(|v| (*i, v)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), BLUE.stroke_width(2)))
                .map_err(failed)?;
            chart
                .draw_series(points.into_iter().map(|p| Circle::new(p, 3, BLUE.filled())))
                .map_err(failed)?;
        }
        if let Some(t) = target {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0, t), (n, t)],
                    6,
                    4,
                    RED.stroke_width(1),
                ))
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Bars per slice, in the order given.
pub fn bars(title: &str, series: &Series, target: Option<f64>) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let (lo, hi) = range(series, target);
        let n = series.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d((0usize..n).into_segmented(), lo..hi)
            .map_err(failed)?;
        let labels: Vec<String> = series.iter().map(|(l, _)| l.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(16))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(WHITE)
            .draw()
            .map_err(failed)?;
        chart
            .draw_series(series.iter().enumerate().filter_map(|(i, (_, v))| {
                let v = (*v)?;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0f64.max(lo)),
                        (SegmentValue::Exact(i + 1), v),
                    ],
                    BLUE.mix(0.75).filled(),
                );
                bar.set_margin(0, 0, 6, 6);
                Some(bar)
            }))
            .map_err(failed)?;
        if let Some(t) = target {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(SegmentValue::Exact(0), t), (SegmentValue::Exact(n), t)],
                    6,
                    4,
                    RED.stroke_width(1),
                ))
                .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_and_bars_are_svg_with_their_labels() {
        let series = vec![
            ("2026-10".to_owned(), Some(82.0)),
            ("2026-11".to_owned(), None),
            ("2026-12".to_owned(), Some(91.5)),
        ];
        let svg = trend("一次修复率 First-time fix", &series, Some(80.0)).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(
            svg.contains("2026-12") && svg.contains("一次修复率"),
            "{svg}"
        );
        assert!(svg.contains("stroke-dasharray") || svg.matches("<line").count() > 0);
        let svg = bars(
            "By region",
            &[("西湖区".into(), Some(70.0)), ("<b>".into(), Some(90.0))],
            None,
        )
        .unwrap();
        assert!(svg.contains("西湖区"));
        assert!(!svg.contains("<b>"), "labels are escaped: {svg}");
    }
}
