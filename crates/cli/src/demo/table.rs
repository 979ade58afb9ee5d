//! Plain-text layout shared by the demo steps: aligned tables and lines clipped to a
//! terminal-friendly width, so every step's output reads the same way.

/// Longest line of free text (excerpts, instructions) the demo prints, in characters.
pub const LINE_WIDTH: usize = 110;

/// Lays `rows` out under `header`, two spaces between columns, each line indented by two
/// spaces. Every column but the last is padded to its widest cell; the last is left as it is
/// (it holds free text such as attendee lists).
pub fn render<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> Vec<String> {
    let all: Vec<[String; N]> = std::iter::once(header.map(str::to_owned))
        .chain(rows.iter().cloned())
        .collect();
    align(&all)
}

/// Lays `rows` out as [`render`] does, without a header.
pub fn align<const N: usize>(rows: &[[String; N]]) -> Vec<String> {
    let widths: Vec<usize> = (0..N)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            let mut out = String::from(" ");
            for (i, cell) in row.iter().enumerate() {
                out.push(' ');
                out.push_str(cell);
                if i + 1 < N {
                    let pad = widths[i].saturating_sub(cell.chars().count()) + 1;
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.trim_end().to_owned()
        })
        .collect()
}

/// Prints [`render`]'s lines.
pub fn print<const N: usize>(header: [&str; N], rows: &[[String; N]]) {
    for line in render(header, rows) {
        println!("{line}");
    }
}

/// `line` cut to at most `width` characters, ending in `…` when it was cut.
pub fn clip(line: &str, width: usize) -> String {
    if line.chars().count() > width {
        let cut: String = line.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned_and_the_last_is_not_padded() {
        let rows = [
            [
                "Long title".to_owned(),
                "2026-01-02".to_owned(),
                "A, B".to_owned(),
            ],
            ["T".to_owned(), "-".to_owned(), "C".to_owned()],
        ];
        let lines = render(["Title", "Date", "Attendees"], &rows);
        assert_eq!(
            lines,
            [
                "  Title       Date        Attendees",
                "  Long title  2026-01-02  A, B",
                "  T           -           C",
            ]
        );
    }

    #[test]
    fn clip_cuts_long_lines_only() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("exactly10!", 10), "exactly10!");
        let cut = clip("ääääääääääää", 5);
        assert_eq!(cut, "ääää…");
        assert_eq!(cut.chars().count(), 5);
    }
}
