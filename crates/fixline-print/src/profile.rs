//! Printer profiles: what a printer model can do and how to talk to it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The receipt as a dithered bitmap: prints everywhere (no font or code page needed).
    Raster,
    /// The receipt in the printer's own font, line by line: a line its code page holds goes as
    /// text, any other line (and the logo and signature) as dots on the same character grid.
    Text,
}

/// The characters a printer's own font has, and how they are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodePage {
    /// Plain ASCII only (USA character set): right on any ESC/POS printer.
    Ascii,
    /// Simplified Chinese printers: the two-byte (GBK) part of GB18030, which their fonts have,
    /// in double-byte mode.
    Gb18030,
    /// Traditional Chinese printers (Hong Kong, Taiwan): Big5, in double-byte mode.
    Big5,
}

impl CodePage {
    /// The bytes for `text`, or `None` when the font lacks one of its characters (the line then
    /// goes as dots rather than as a wrong character).
    pub fn encode(self, text: &str) -> Option<Vec<u8>> {
        let encoding = match self {
            CodePage::Ascii => return text.is_ascii().then(|| text.as_bytes().to_vec()),
            CodePage::Gb18030 => encoding_rs::GBK,
            CodePage::Big5 => encoding_rs::BIG5,
        };
        let (bytes, _, unmappable) = encoding.encode(text);
        (!unmappable).then(|| bytes.into_owned())
    }

    /// What the printer prints for `bytes` (the decoder's side).
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            CodePage::Ascii => String::from_utf8_lossy(bytes).into_owned(),
            CodePage::Gb18030 => encoding_rs::GB18030.decode(bytes).0.into_owned(),
            CodePage::Big5 => encoding_rs::BIG5.decode(bytes).0.into_owned(),
        }
    }

    /// Chinese fonts take two bytes a character (`FS &`); ASCII takes one (`FS .`).
    pub fn double_byte(self) -> bool {
        self != CodePage::Ascii
    }

    pub fn named(name: &str) -> Option<CodePage> {
        match name {
            "ascii" => Some(CodePage::Ascii),
            "gb18030" => Some(CodePage::Gb18030),
            "big5" => Some(CodePage::Big5),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    /// Printable width in dots: 384 (58 mm) or 576 (80 mm) at 203 dpi.
    pub width_dots: u32,
    pub mode: Mode,
    /// The printer font's characters (text mode).
    pub code_page: CodePage,
    /// The printer draws QR codes itself (`GS ( k`); otherwise the code goes as dots.
    pub native_qr: bool,
    /// Bytes per write: BLE links take ~20–180 bytes per packet, SPP and TCP far more.
    pub chunk_bytes: usize,
    /// Pause between writes, milliseconds, so a slow link's buffer never overflows.
    pub pace_ms: u64,
    /// Rows per `GS v 0` band: small bands keep the printer's buffer from overflowing.
    pub band_rows: u32,
    pub cuts: bool,
}

impl Profile {
    /// Built-in profiles for the printers engineers carry. The Bluetooth LE default sends
    /// text only where any printer prints it right; the `-raster` variant is for a printer
    /// whose own font misbehaves; the Chinese-font ones are for models known to have them.
    pub fn builtin() -> Vec<Profile> {
        let ble_58 = Profile {
            name: "58mm-ble".into(),
            width_dots: 384,
            mode: Mode::Text,
            code_page: CodePage::Ascii,
            native_qr: false,
            chunk_bytes: 180,
            pace_ms: 20,
            band_rows: 24,
            cuts: false,
        };
        let spp_80 = Profile {
            name: "80mm-spp".into(),
            width_dots: 576,
            mode: Mode::Raster,
            code_page: CodePage::Ascii,
            native_qr: false,
            chunk_bytes: 1024,
            pace_ms: 5,
            band_rows: 48,
            cuts: true,
        };
        let named = |base: &Profile, name: &str| Profile {
            name: name.into(),
            ..base.clone()
        };
        vec![
            Profile {
                mode: Mode::Raster,
                ..named(&ble_58, "58mm-ble-raster")
            },
            ble_58.clone(),
            Profile {
                code_page: CodePage::Gb18030,
                ..named(&ble_58, "58mm-ble-gb18030-text")
            },
            spp_80.clone(),
            Profile {
                mode: Mode::Text,
                ..named(&spp_80, "80mm-spp-ascii-text")
            },
            Profile {
                chunk_bytes: 16 * 1024,
                pace_ms: 0,
                band_rows: 96,
                ..named(&spp_80, "80mm-network")
            },
            Profile {
                mode: Mode::Text,
                code_page: CodePage::Gb18030,
                native_qr: true,
                ..named(&spp_80, "80mm-gb18030-text")
            },
            Profile {
                mode: Mode::Text,
                code_page: CodePage::Big5,
                native_qr: true,
                ..named(&spp_80, "80mm-big5-text")
            },
        ]
    }

    pub fn named(name: &str) -> Option<Profile> {
        Self::builtin().into_iter().find(|p| p.name == name)
    }

    /// The mode in a few words (the bench prints it).
    pub fn describe(&self) -> String {
        match self.mode {
            Mode::Raster => "raster".into(),
            Mode::Text => format!("text, {:?}", self.code_page).to_lowercase(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_page_takes_only_what_its_font_has() {
        assert_eq!(
            CodePage::Ascii.encode("Total $1"),
            Some(b"Total $1".to_vec())
        );
        assert_eq!(CodePage::Ascii.encode("合计"), None);
        // GBK: 服 is 0xB7 0xFE; the yuan sign U+00A5 needs four bytes, which fonts lack.
        assert_eq!(CodePage::Gb18030.encode("服"), Some(vec![0xB7, 0xFE]));
        assert_eq!(CodePage::Gb18030.encode("¥"), None);
        assert_eq!(CodePage::Gb18030.encode("￥"), Some(vec![0xA3, 0xA4]));
        // Big5 has traditional characters only.
        assert!(CodePage::Big5.encode("服務").is_some());
        assert_eq!(CodePage::Big5.encode("服务"), None);
        for page in [CodePage::Ascii, CodePage::Gb18030, CodePage::Big5] {
            let text = if page == CodePage::Ascii {
                "SN 42"
            } else {
                "服"
            };
            assert_eq!(page.decode(&page.encode(text).unwrap()), text);
            assert_eq!(
                CodePage::named(&format!("{page:?}").to_lowercase()),
                Some(page)
            );
        }
        let names: Vec<String> = Profile::builtin().into_iter().map(|p| p.name).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(names.len(), unique.len(), "profile names are unique");
    }
}
