//! The receipt seal: made offline on the device, checked by the server; any change shows.

mod common;

use common::{act, eng_id, engineer, id, order, staff, t0};
use fixline_core::billing::{Bill, LabourLine};
use fixline_core::customer::Language;
use fixline_core::ids::WorkOrderId;
use fixline_core::money::Money;
use fixline_core::position::Position;
use fixline_core::receipt::{
    PhotoRef, PhotoTag, ReceiptRecord, Seal, SealProblem, SealStatement, SignOff, Signature,
    device_public_key, sha256_hex,
};
use fixline_core::role::Role;
use fixline_core::work_order::{Action, ResolutionType, Status, WorkOrder};
use fixline_core::{Error, ErrorCode};

const DEVICE: [u8; 32] = [7; 32];

fn signature() -> SignOff {
    SignOff::Signed(Signature {
        signer_name: "陈店长".into(),
        signed_at: t0(),
        width: 400.0,
        height: 150.0,
        strokes: vec![vec![[10.0, 10.0], [60.0, 80.0], [120.0, 40.0]]],
    })
}

fn sealed(pdf: &[u8]) -> Seal {
    Seal::sign(
        SealStatement {
            work_order_id: WorkOrderId::from_uuid(id(1)),
            receipt_number: "R-WO-000001-1".into(),
            pdf_sha256: sha256_hex(pdf),
            sign_off_sha256: signature().digest(),
            sealed_at: t0(),
            position: Some(Position {
                lat: 31.23,
                lon: 121.47,
            }),
        },
        &DEVICE,
    )
}

#[test]
fn a_sealed_receipt_verifies_and_names_its_device() {
    let seal = sealed(b"%PDF receipt");
    assert_eq!(seal.verify(b"%PDF receipt"), Ok(()));
    assert_eq!(seal.device_key, device_public_key(&DEVICE));
}

#[test]
fn a_changed_document_does_not_verify() {
    let seal = sealed(b"%PDF receipt total 100.00");
    assert_eq!(
        seal.verify(b"%PDF receipt total 10.00"),
        Err(SealProblem::DocumentChanged)
    );
}

#[test]
fn a_changed_statement_or_forged_seal_does_not_verify() {
    let pdf = b"%PDF receipt";
    let mut moved = sealed(pdf);
    moved.statement.sealed_at = t0() + chrono::TimeDelta::hours(3);
    assert_eq!(moved.verify(pdf), Err(SealProblem::BadSignature));

    let mut other_key = sealed(pdf);
    other_key.device_key = device_public_key(&[9; 32]);
    assert_eq!(other_key.verify(pdf), Err(SealProblem::BadSignature));

    let mut garbage = sealed(pdf);
    garbage.signature = "zz".into();
    assert_eq!(garbage.verify(pdf), Err(SealProblem::Malformed));
}

#[test]
fn sign_off_validation_rejects_empty_and_hostile_pads() {
    assert!(signature().validate().is_ok());
    let SignOff::Signed(mut s) = signature() else {
        unreachable!()
    };
    s.strokes = vec![vec![[1.0, 1.0]]];
    assert!(SignOff::Signed(s.clone()).validate().is_err());
    s.strokes = vec![vec![[1.0, 1.0], [f32::NAN, 2.0]]];
    assert!(SignOff::Signed(s.clone()).validate().is_err());
    s.strokes = vec![vec![[1.0, 1.0], [900.0, 2.0]]];
    assert!(SignOff::Signed(s).validate().is_err());
    let refused = SignOff::Refused {
        signer_name: "陈店长".into(),
        reason: "".into(),
        at: t0(),
    };
    assert!(refused.validate().is_err(), "a refusal needs a reason");
}

fn on_site() -> WorkOrder {
    let desk = staff(Role::Dispatcher);
    let me = engineer(1);
    let mut o = order();
    for (minutes, who, action) in [
        (
            1,
            &desk,
            Action::Assign {
                engineer: eng_id(1),
            },
        ),
        (2, &me, Action::Accept),
        (3, &me, Action::StartTravel),
        (30, &me, Action::Arrive { position: None }),
    ] {
        o = act(&o, who, minutes, action).unwrap();
    }
    o
}

fn complete() -> Action {
    Action::Complete {
        resolution: ResolutionType::OnSiteRepair,
        summary: "换继电器".into(),
        position: None,
        fault_code: None,
        cause_code: None,
        resolution_code: None,
    }
}

fn photo(n: u8) -> PhotoRef {
    PhotoRef {
        sha256: sha256_hex(&[n]),
        tag: PhotoTag::Before,
        caption: "压缩机".into(),
        taken_at: None,
        bytes: 1000,
    }
}

fn record(o: &WorkOrder, sign_off: SignOff) -> ReceiptRecord {
    let pdf = b"%PDF sealed";
    let seal = Seal::sign(
        SealStatement {
            work_order_id: o.id,
            receipt_number: "R-WO-000001-1".into(),
            pdf_sha256: sha256_hex(pdf),
            sign_off_sha256: sign_off.digest(),
            sealed_at: t0(),
            position: None,
        },
        &DEVICE,
    );
    ReceiptRecord {
        number: "R-WO-000001-1".into(),
        language: Language::ZhCn,
        token: "0123456789abcdef0123456789abcdef".into(),
        pdf_sha256: sha256_hex(pdf),
        pdf_bytes: pdf.len() as u64,
        total: None,
        sign_off,
        seal,
    }
}

#[test]
fn photos_and_bill_are_recorded_on_site_and_signing_confirms_the_job() {
    let me = engineer(1);
    let mut o = on_site();
    o = act(&o, &me, 40, Action::AttachPhoto { photo: photo(1) }).unwrap();
    o = act(&o, &me, 41, Action::AttachPhoto { photo: photo(2) }).unwrap();
    let mut retagged = photo(1);
    retagged.tag = PhotoTag::Fault;
    o = act(&o, &me, 42, Action::AttachPhoto { photo: retagged }).unwrap();
    assert_eq!(
        o.photos.len(),
        2,
        "the same photo attached twice is one photo"
    );
    o = act(
        &o,
        &me,
        43,
        Action::RemovePhoto {
            sha256: photo(2).sha256,
        },
    )
    .unwrap();
    assert_eq!(
        o.photos.iter().map(|p| p.tag).collect::<Vec<_>>(),
        [PhotoTag::Fault]
    );

    let bill = Bill {
        currency: Default::default(),
        parts: vec![],
        labour: vec![LabourLine {
            description: "上门维修".into(),
            minutes: 60,
            hourly_rate: Money::cny(120.into()),
            under_warranty: false,
        }],
    };
    o = act(&o, &me, 50, Action::RecordBill { bill: bill.clone() }).unwrap();
    assert_eq!(o.bill.as_ref(), Some(&bill));
    o = act(&o, &me, 60, complete()).unwrap();
    // Photos may still be added after "complete", until the customer signs.
    o = act(&o, &me, 61, Action::AttachPhoto { photo: photo(3) }).unwrap();
    o = act(
        &o,
        &me,
        62,
        Action::SignReceipt {
            receipt: Box::new(record(&o, signature())),
        },
    )
    .unwrap();
    assert_eq!(o.status, Status::Confirmed);
    assert!(o.receipt.is_some());
}

#[test]
fn a_refused_signature_keeps_the_job_completed_with_the_reason() {
    let me = engineer(1);
    let mut o = act(&on_site(), &me, 60, complete()).unwrap();
    let refused = SignOff::Refused {
        signer_name: "陈店长".into(),
        reason: "要等老板确认".into(),
        at: t0(),
    };
    o = act(
        &o,
        &me,
        61,
        Action::SignReceipt {
            receipt: Box::new(record(&o, refused)),
        },
    )
    .unwrap();
    assert_eq!(o.status, Status::Completed);
    assert!(o.notes.last().unwrap().text.contains("要等老板确认"));
    let err = act(&o, &me, 62, Action::AttachPhoto { photo: photo(9) }).unwrap_err();
    assert!(err.to_string().contains("receipt is made"), "{err}");
}

#[test]
fn a_receipt_for_another_document_or_job_is_refused() {
    let me = engineer(1);
    let o = act(&on_site(), &me, 60, complete()).unwrap();
    let mut other_pdf = record(&o, signature());
    other_pdf.pdf_sha256 = sha256_hex(b"another");
    let err = act(
        &o,
        &me,
        61,
        Action::SignReceipt {
            receipt: Box::new(other_pdf),
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid, "{err}");

    let mut elsewhere = o.clone();
    elsewhere.id = WorkOrderId::from_uuid(id(99));
    let err = act(
        &o,
        &me,
        61,
        Action::SignReceipt {
            receipt: Box::new(record(&elsewhere, signature())),
        },
    )
    .unwrap_err();
    assert!(matches!(err, Error::Requirement { .. }), "{err}");
}

#[test]
fn only_the_assignee_records_photos() {
    let err = act(
        &on_site(),
        &engineer(2),
        40,
        Action::AttachPhoto { photo: photo(1) },
    )
    .unwrap_err();
    assert!(matches!(err, Error::NotAssignee { .. }), "{err}");
}

#[test]
fn a_receipt_with_a_forged_seal_or_a_guessable_link_is_refused_when_it_arrives() {
    let o = on_site();
    let good = record(&o, signature());
    assert_eq!(good.validate(), Ok(()));
    let zero_token = ReceiptRecord {
        token: "0".repeat(32),
        ..good.clone()
    };
    let e = zero_token.validate().unwrap_err();
    assert!(e.to_string().contains("not random"), "{e}");
    let mut zero_seal = good.clone();
    zero_seal.seal.signature = "0".repeat(128);
    let e = zero_seal.validate().unwrap_err();
    assert!(e.to_string().contains("does not verify"), "{e}");
    let mut other_key = good.clone();
    other_key.seal.device_key = fixline_core::receipt::device_public_key(&[9u8; 32]);
    assert!(other_key.validate().is_err());
    let mut garbage = good;
    garbage.seal.signature = "xyz".into();
    let e = garbage.validate().unwrap_err();
    assert!(e.to_string().contains("well formed"), "{e}");
}
