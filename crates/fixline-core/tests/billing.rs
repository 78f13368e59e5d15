//! Parts and labour: exact decimal totals, warranty lines listed but not charged, VAT per
//! category rounded once, labour from visit times, and lines no receipt should carry refused.

use chrono::{TimeZone, Utc};
use fixline_core::billing::{Bill, LabourLine, LabourRule, PartLine, TaxRates, labour_from_visits};
use fixline_core::ids::EngineerId;
use fixline_core::money::{Currency, Money};
use fixline_core::work_order::Visit;
use fixline_core::zone::ServiceZone;
use fixline_core::{Error, ErrorCode};
use rust_decimal_macros::dec;
use uuid::Uuid;

fn part(name: &str, qty: rust_decimal::Decimal, price: rust_decimal::Decimal) -> PartLine {
    PartLine {
        part_number: format!("P-{name}"),
        name: name.into(),
        quantity: qty,
        unit_price: Money::cny(price),
        serials: Vec::new(),
        under_warranty: false,
        serial_tracked: false,
    }
}

#[test]
fn a_serial_tracked_part_needs_a_serial_per_piece() {
    use fixline_core::billing::Part;
    let relay = Part {
        part_number: "CMP-220".into(),
        name: "压缩机启动继电器".into(),
        unit_price: Money::cny(dec!(186)),
        serial_tracked: true,
    };
    let bill = |line| Bill {
        currency: Default::default(),
        parts: vec![line],
        labour: vec![],
    };
    let missing = bill(relay.line(dec!(2), vec!["SR1".into()]));
    let err = missing.validate().unwrap_err();
    assert!(
        err.to_string().contains("1 serial numbers for 2 pieces"),
        "{err}"
    );
    assert!(
        bill(relay.line(dec!(2), vec!["SR1".into(), "SR2".into()]))
            .validate()
            .is_ok()
    );
}

#[test]
fn totals_are_exact_and_taxed_per_category() {
    let mut capacitor = part("启动电容 35µF", dec!(2), dec!(38.50));
    capacitor.serials = vec!["C-001".into(), "C-002".into()];
    let mut gasket = part("门封条", dec!(1.5), dec!(59.90));
    gasket.under_warranty = true;
    let bill = Bill {
        currency: Currency::CNY,
        parts: vec![
            capacitor,
            gasket,
            part("R290 冷媒 (kg)", dec!(0.35), dec!(120)),
        ],
        labour: vec![LabourLine {
            description: "上门维修".into(),
            minutes: 75,
            hourly_rate: Money::cny(dec!(180)),
            under_warranty: false,
        }],
    };
    let t = bill.totals(&TaxRates::default()).unwrap();
    // Parts: 2 × 38.50 + 0.35 × 120 = 77.00 + 42.00 = 119.00 (the gasket is under warranty).
    assert_eq!(t.parts, Money::cny(dec!(119.00)));
    // Labour: 1.25 h × 180 = 225.00.
    assert_eq!(t.labour, Money::cny(dec!(225.00)));
    assert_eq!(t.warranty_covered, Money::cny(dec!(89.85)));
    // VAT: 119 × 13 % + 225 × 6 % = 15.47 + 13.50 = 28.97.
    assert_eq!(t.tax, Money::cny(dec!(28.97)));
    assert_eq!(t.total, Money::cny(dec!(372.97)));
    assert_eq!(t.total.to_string(), "¥372.97");
}

#[test]
fn tax_rounds_half_away_from_zero_once() {
    let bill = Bill {
        currency: Currency::CNY,
        parts: vec![part("滤芯", dec!(1), dec!(0.50))],
        labour: vec![],
    };
    // 0.50 × 13 % = 0.065 → 0.07.
    assert_eq!(
        bill.totals(&TaxRates::default()).unwrap().tax,
        Money::cny(dec!(0.07))
    );
}

#[test]
fn labour_comes_from_visit_times_in_quarter_hours_with_a_minimum() {
    let t = |h, m| Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap();
    let visit = |n, from, to| Visit {
        number: n,
        engineer: EngineerId::from_uuid(Uuid::from_u128(1)),
        checked_in_at: from,
        check_in_position: None,
        checked_out_at: to,
        check_out_position: None,
        outcome: None,
        set_off_at: None,
    };
    let visits = [
        visit(1, t(9, 0), Some(t(9, 50))),   // 50 min → 60
        visit(2, t(14, 0), Some(t(14, 10))), // 10 min → minimum 30
        visit(3, t(16, 0), None),            // still open: not billed yet
    ];
    let lines = labour_from_visits(
        &visits,
        LabourRule::default(),
        Money::cny(dec!(180)),
        false,
        ServiceZone::SHANGHAI,
    );
    assert_eq!(
        lines.iter().map(|l| l.minutes).collect::<Vec<_>>(),
        [60, 30]
    );
    let bill = Bill {
        currency: Currency::CNY,
        parts: vec![],
        labour: lines,
    };
    assert_eq!(
        bill.totals(&TaxRates::default()).unwrap().labour,
        Money::cny(dec!(270.00))
    );
}

#[test]
fn lines_no_receipt_should_carry_are_refused() {
    let with = |p: PartLine| Bill {
        currency: Currency::CNY,
        parts: vec![p],
        labour: vec![],
    };
    let mut wrong_serials = part("压缩机", dec!(2), dec!(900));
    wrong_serials.serials = vec!["only-one".into()];
    let e = with(wrong_serials)
        .totals(&TaxRates::default())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid);
    assert!(
        e.to_string().contains("1 serial numbers for 2 pieces"),
        "{e}"
    );
    assert!(with(part("风扇", dec!(0), dec!(10))).validate().is_err());
    assert!(with(part("风扇", dec!(1), dec!(-10))).validate().is_err());
    assert!(with(part("  ", dec!(1), dec!(10))).validate().is_err());
    let mut dollars = part("fan", dec!(1), dec!(10));
    dollars.unit_price = Money::new(dec!(10), Currency::USD);
    assert!(matches!(
        with(dollars).validate(),
        Err(Error::CurrencyMismatch { .. })
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// A receipt adds up as printed: the parts and labour subtotals are the sums of the line
    /// charges shown (each to the cent, nothing for a covered line), subtotals and tax make
    /// the total, and what the warranty covered is the covered lines' own figures.
    #[test]
    fn the_printed_lines_add_up(
        parts in proptest::collection::vec((1u32..5, 1u32..100_000, proptest::bool::ANY), 0..6),
        labour in proptest::collection::vec((1u32..600, 1u32..50_000, proptest::bool::ANY), 0..4),
    ) {
        let bill = Bill {
            currency: Currency::CNY,
            parts: parts
                .iter()
                .enumerate()
                .map(|(i, (qty, cents, covered))| PartLine {
                    under_warranty: *covered,
                    ..part(&format!("件{i}"), (*qty).into(), rust_decimal::Decimal::new((*cents).into(), 2))
                })
                .collect(),
            labour: labour
                .iter()
                .map(|(minutes, cents, covered)| LabourLine {
                    description: "上门维修".into(),
                    minutes: i64::from(*minutes),
                    hourly_rate: Money::cny(rust_decimal::Decimal::new((*cents).into(), 2)),
                    under_warranty: *covered,
                })
                .collect(),
        };
        let t = bill.totals(&TaxRates::default()).unwrap();
        let printed = |items: Vec<Money>| Money::sum(Currency::CNY, items).unwrap();
        let part_lines: Vec<Money> = bill.parts.iter().map(|p| Bill::part_charge(p).unwrap()).collect();
        let labour_lines: Vec<Money> = bill.labour.iter().map(|l| Bill::labour_charge(l).unwrap()).collect();
        proptest::prop_assert_eq!(printed(part_lines), t.parts);
        proptest::prop_assert_eq!(printed(labour_lines), t.labour);
        proptest::prop_assert_eq!(t.parts.checked_add(t.labour).unwrap().checked_add(t.tax).unwrap(), t.total);
        let covered: Vec<Money> = bill
            .parts
            .iter()
            .filter(|p| p.under_warranty)
            .map(|p| Bill::part_total(p).unwrap().rounded())
            .chain(bill.labour.iter().filter(|l| l.under_warranty).map(|l| Bill::labour_total(l).unwrap().rounded()))
            .collect();
        proptest::prop_assert_eq!(printed(covered), t.warranty_covered);
    }
}
