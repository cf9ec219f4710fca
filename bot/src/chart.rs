//! PNG charts for Discord replies, drawn with plotters and a bundled font (DejaVu Sans, see
//! assets/DejaVuSans.LICENSE), so they render without system fontconfig.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

pub const BAND_CHART_SIZE: (u32, u32) = (640, 320);
const FONT: &str = "hitcast-sans";
const COLORS: [RGBColor; 4] =
    [RGBColor(152, 162, 179), RGBColor(122, 140, 240), RGBColor(91, 61, 245), RGBColor(224, 51, 138)];
const BANDS: [&str; 4] = hitcast::Band::DISPLAY;

fn font() -> &'static str {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, include_bytes!("../assets/DejaVuSans.ttf"))
            .unwrap_or_else(|_| panic!("the bundled font is a valid TTF"));
    });
    FONT
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().expect("PNG header");
    writer.write_image_data(rgb).expect("PNG data");
    writer.finish().expect("PNG end");
    out
}

type DrawResult<T> = Result<T, Box<dyn std::error::Error>>;

const INK: RGBColor = RGBColor(29, 35, 48);
const MUTED: RGBColor = RGBColor(102, 112, 133);
const TRACK: RGBColor = RGBColor(240, 242, 245);

/// Bar chart of the four band probabilities, with percentages above the bars.
pub fn bands(probs: &[f32; 4], title: &str) -> Vec<u8> {
    let (w, h) = BAND_CHART_SIZE;
    let mut buf = vec![255u8; (w * h * 3) as usize];
    draw_bands(&mut buf, probs, title).expect("drawing into a buffer cannot fail");
    encode_png(&buf, (w, h))
}

fn draw_bands(buf: &mut [u8], probs: &[f32; 4], title: &str) -> DrawResult<()> {
    let (w, h) = BAND_CHART_SIZE;
    let root = BitMapBackend::with_buffer(buf, BAND_CHART_SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let f = font();
    root.draw(&Text::new(title.to_string(), (24, 16), (f, 22).into_font().color(&INK)))?;
    root.draw(&Text::new(
        "probability of each Spotify popularity band".to_string(),
        (24, 44),
        (f, 14).into_font().color(&MUTED),
    ))?;
    let (left, right, top, bottom) = (40i32, w as i32 - 40, 90i32, h as i32 - 44);
    let slot = (right - left) / 4;
    let max_h = (bottom - top - 24) as f32;
    let scale = probs.iter().cloned().fold(0.0f32, f32::max).max(0.3);
    root.draw(&PathElement::new(vec![(left, bottom), (right, bottom)], MUTED.stroke_width(1)))?;
    for (i, p) in probs.iter().enumerate() {
        let x0 = left + slot * i as i32 + 14;
        let x1 = x0 + slot - 28;
        let bar = (p.clamp(0.0, 1.0) / scale * max_h).round() as i32;
        root.draw(&Rectangle::new([(x0, bottom - bar), (x1, bottom)], COLORS[i].filled()))?;
        let pct = format!("{:.0}%", p * 100.0);
        root.draw(&Text::new(pct, (x0 + (x1 - x0) / 2 - 16, bottom - bar - 22), (f, 17).into_font().color(&INK)))?;
        let label = BANDS[i].to_string();
        let lx = x0 + (x1 - x0) / 2 - 6 * label.chars().count() as i32 / 2 - 8;
        root.draw(&Text::new(label, (lx, bottom + 10), (f, 15).into_font().color(&INK)))?;
    }
    root.present()?;
    Ok(())
}

/// Horizontal bars of expected popularity per track, best first (the album ranking).
pub fn ranking(entries: &[(String, f32, usize)], title: &str) -> Vec<u8> {
    let shown = &entries[..entries.len().min(20)];
    let size = (720, 84 + 30 * shown.len().max(1) as u32);
    let mut buf = vec![255u8; (size.0 * size.1 * 3) as usize];
    draw_ranking(&mut buf, size, shown, title).expect("drawing into a buffer cannot fail");
    encode_png(&buf, size)
}

fn draw_ranking(buf: &mut [u8], size: (u32, u32), entries: &[(String, f32, usize)], title: &str) -> DrawResult<()> {
    let root = BitMapBackend::with_buffer(buf, size).into_drawing_area();
    root.fill(&WHITE)?;
    let f = font();
    root.draw(&Text::new(title.to_string(), (20, 14), (f, 20).into_font().color(&INK)))?;
    root.draw(&Text::new(
        "expected Spotify popularity (0–100), colour = predicted band".to_string(),
        (20, 40),
        (f, 13).into_font().color(&MUTED),
    ))?;
    let (bar_left, bar_right) = (270i32, size.0 as i32 - 60);
    for (i, (name, expected, band)) in entries.iter().enumerate() {
        let y = 72 + 30 * i as i32;
        let short: String = name.chars().take(28).collect();
        root.draw(&Text::new(format!("{}. {short}", i + 1), (20, y + 3), (f, 15).into_font().color(&INK)))?;
        root.draw(&Rectangle::new([(bar_left, y), (bar_right, y + 20)], TRACK.filled()))?;
        let end = bar_left + ((bar_right - bar_left) as f32 * expected.clamp(0.0, 100.0) / 100.0).round() as i32;
        root.draw(&Rectangle::new([(bar_left, y), (end.max(bar_left + 2), y + 20)], COLORS[(*band).min(3)].filled()))?;
        root.draw(&Text::new(format!("{expected:.0}"), (bar_right + 8, y + 3), (f, 15).into_font().color(&INK)))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        (info.width, info.height, buf)
    }

    /// Keeps a copy for people to look at: target/test-artifacts/.
    fn keep(name: &str, bytes: &[u8]) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts");
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(dir.join(name), bytes);
        }
    }

    #[test]
    fn band_chart_is_a_png_of_the_expected_size_with_the_band_colours() {
        let bytes = bands(&[0.1, 0.2, 0.6, 0.1], "Neon Harbour");
        keep("bot-bands.png", &bytes);
        let (w, h, pixels) = decode(&bytes);
        assert_eq!((w, h), BAND_CHART_SIZE);
        let has = |c: RGBColor| pixels.chunks(3).any(|p| p == [c.0, c.1, c.2]);
        assert!(COLORS.iter().all(|c| has(*c)), "every band is drawn");
        // text was rendered: dark pixels exist
        assert!(pixels.chunks(3).any(|p| p[0] < 60 && p[1] < 60 && p[2] < 60));
    }

    #[test]
    fn ranking_chart_grows_with_the_album() {
        let entries: Vec<(String, f32, usize)> =
            (0..8).map(|i| (format!("Track {i}"), 60.0 - i as f32 * 5.0, 2)).collect();
        let bytes = ranking(&entries, "Album");
        keep("bot-ranking.png", &bytes);
        let (w, h, _) = decode(&bytes);
        assert_eq!((w, h), (720, 84 + 30 * 8));
    }
}
