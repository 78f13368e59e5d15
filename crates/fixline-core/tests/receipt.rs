//! The receipt seal: made offline on the device, checked by the server; any change shows.

mod common;

use common::{id, t0};
use fixline_core::ids::WorkOrderId;
use fixline_core::position::Position;
use fixline_core::receipt::{
    Seal, SealProblem, SealStatement, SignOff, Signature, device_public_key, sha256_hex,
};

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
