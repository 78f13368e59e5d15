//! Links that open a site in the map apps people use in China. Positions are stored as WGS-84
//! (what GPS and the browser report); AMap, Tencent and Baidu show GCJ-02, so a WGS-84 point
//! given to them as is lands a few hundred metres off. The link converts, and says which system
//! it sends; the place's name is percent-encoded (it is Chinese, with spaces and `&` in it).

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::position::Position;

/// A position in GCJ-02, for Chinese map services only; outside mainland China it is the same.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gcj02 {
    pub lat: f64,
    pub lon: f64,
}

pub fn to_gcj02(p: Position) -> Gcj02 {
    let (lon, lat) = coordtransform::wgs84_to_gcj02(p.lon, p.lat);
    Gcj02 { lat, lon }
}

fn encoded(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// AMap (高德地图): a marker at the site, named.
pub fn amap(p: Position, name: &str) -> String {
    let g = to_gcj02(p);
    format!(
        "https://uri.amap.com/marker?position={:.6},{:.6}&name={}&coordinate=gaode&callnative=1",
        g.lon,
        g.lat,
        encoded(name)
    )
}

/// Baidu Maps (百度地图): a marker, given in GCJ-02 so Baidu converts it to its own BD-09.
pub fn baidu(p: Position, name: &str) -> String {
    let g = to_gcj02(p);
    format!(
        "https://api.map.baidu.com/marker?location={:.6},{:.6}&title={}&content={}&coord_type=gcj02&output=html&src=webapp.fixline",
        g.lat,
        g.lon,
        encoded(name),
        encoded(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_send_gcj02_and_encode_the_name() {
        // Beijing railway station: WGS-84 (39.90105, 116.42079) is GCJ-02 (39.90245, 116.42703).
        let station = Position::new(39.90105, 116.42079).unwrap();
        let g = to_gcj02(station);
        assert!((g.lat - 39.90245).abs() < 0.0002, "{g:?}");
        assert!((g.lon - 116.42703).abs() < 0.0002, "{g:?}");
        let link = amap(station, "北京站 A&B");
        assert!(link.contains("position=116.427"), "{link}");
        assert!(
            link.contains("name=%E5%8C%97%E4%BA%AC%E7%AB%99%20A%26B"),
            "{link}"
        );
        assert!(!link.contains(' '));
        let link = baidu(station, "北京站");
        assert!(
            link.contains("location=39.902") && link.contains("coord_type=gcj02"),
            "{link}"
        );
        // Outside China nothing is shifted.
        let paris = Position::new(48.8566, 2.3522).unwrap();
        assert_eq!(
            to_gcj02(paris),
            Gcj02 {
                lat: 48.8566,
                lon: 2.3522
            }
        );
    }
}
