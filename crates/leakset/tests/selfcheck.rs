//! The private self-check: RFC 9497 test vectors for the suite we use, and the Rust client
//! against a real server on loopback (planted identifiers found, clean ones not, the rate limit
//! bites, another OPRF key is refused).

use doxwatch_detect::detectors::id_card::with_check;
use doxwatch_leakset::selfcheck::{
    bucket, check_remote, CheckError, CheckQuery, OprfKey, OprfTable, SelfCheckState,
};
use doxwatch_leakset::{parse_map, BuildOptions, Builder, LeakSetError};
use doxwatch_model::{KeyedHasher, Kind};
use std::sync::Arc;
use voprf::{Group, OprfClient, OprfServer, Ristretto255};

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// RFC 9497 Appendix A.1.1 (ristretto255-SHA512, OPRF mode), test vectors 1 and 2.
#[test]
fn rfc9497_ristretto255_sha512_oprf_vectors() {
    let seed = [0xa3u8; 32];
    let server = OprfServer::<Ristretto255>::new_from_seed(&seed, b"test key").unwrap();
    assert_eq!(
        server.serialize().to_vec(),
        hex("5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e")
    );
    let blind = Ristretto255::deserialize_scalar(&hex(
        "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706",
    ))
    .unwrap();
    let vectors = [
        (
            "00",
            "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c",
            "7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e",
            "527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6",
        ),
        (
            "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
            "da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418",
            "b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25",
            "f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73",
        ),
    ];
    for (input, blinded, evaluated, output) in vectors {
        let input = hex(input);
        let r = OprfClient::<Ristretto255>::deterministic_blind_unchecked(&input, blind).unwrap();
        assert_eq!(r.message.serialize().to_vec(), hex(blinded));
        let ev = server.blind_evaluate(&r.message);
        assert_eq!(ev.serialize().to_vec(), hex(evaluated));
        assert_eq!(r.state.finalize(&input, &ev).unwrap().to_vec(), hex(output));
        // The server-side full evaluation (how the table is built) gives the same output.
        assert_eq!(server.evaluate(&input).unwrap().to_vec(), hex(output));
    }
}

fn phone(i: u32) -> String {
    format!("1380013{i:04}")
}

fn build(dir: &std::path::Path, key: &OprfKey) -> std::path::PathBuf {
    let out = dir.join("s.leakset");
    let mut b = Builder::new(
        &out,
        KeyedHasher::from_secret(b"selfcheck test"),
        BuildOptions {
            name: "s".into(),
            source: "synthetic".into(),
            date: "2025-06-01".into(),
            map: parse_map("phone=1,id_card=2").unwrap(),
            memory_mb: 16,
            progress: false,
            oprf: Some(key.clone()),
        },
    )
    .unwrap();
    for i in 0..300 {
        b.add(Kind::Phone, &phone(i)).unwrap();
        b.add(Kind::IdCard, &with_check(&format!("11010519900101{i:03}")))
            .unwrap();
    }
    let m = b.finish().unwrap();
    let o = m.oprf.unwrap();
    assert_eq!(o.entries, 600);
    assert_eq!(o.pad_to, 64);
    out
}

#[test]
fn rust_client_against_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let key = OprfKey::load(&dir.path().join("oprf.key"), true).unwrap();
    let set = build(dir.path(), &key);
    // Another OPRF key cannot serve the table.
    let e = OprfTable::open(&set, OprfKey::generate()).unwrap_err();
    assert!(matches!(e, LeakSetError::WrongKey { .. }), "{e}");
    let table = OprfTable::open(
        &set,
        OprfKey::load(&dir.path().join("oprf.key"), false).unwrap(),
    )
    .unwrap();
    // A local answer: fixed size, found / not found.
    let q = CheckQuery::new(Kind::Phone, &phone(7)).unwrap();
    let a = table.answer(&q.request).unwrap();
    assert!(q.decide(&a).unwrap());
    let q2 = CheckQuery::new(Kind::Phone, &phone(9000)).unwrap();
    let a2 = table.answer(&q2.request).unwrap();
    assert!(!q2.decide(&a2).unwrap());
    assert_eq!(
        a.values.len(),
        a2.values.len(),
        "every answer has the same size"
    );
    // A bucket outside the kind's range and a bad element are refused.
    let mut bad = q.request.clone();
    bad.bucket = 1 << 16;
    assert!(matches!(table.answer(&bad), Err(CheckError::Bucket)));
    bad = q.request.clone();
    bad.blinded = "AAAA".into();
    assert!(matches!(table.answer(&bad), Err(CheckError::Element)));

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let state = Arc::new(SelfCheckState::new(table, 1, 6));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(doxwatch_leakset::selfcheck::serve(state, listener, async {
            let _ = rx.await;
        }));
        let id = with_check("11010519900101042");
        assert!(check_remote(&url, Kind::Phone, &phone(42)).await.unwrap());
        assert!(check_remote(&url, Kind::IdCard, &id).await.unwrap());
        assert!(!check_remote(&url, Kind::Phone, &phone(4242)).await.unwrap());
        assert!(
            !check_remote(&url, Kind::IdCard, &with_check("11010519900102042"))
                .await
                .unwrap()
        );
        assert!(check_remote(&url, Kind::Phone, &phone(299)).await.unwrap());
        assert!(check_remote(&url, Kind::Phone, &phone(0)).await.unwrap());
        // Burst of 6 spent: the seventh query within the minute is refused.
        let e = check_remote(&url, Kind::Phone, &phone(1))
            .await
            .unwrap_err();
        assert!(matches!(e, CheckError::RateLimited), "{e}");
        let _ = tx.send(());
        server.await.unwrap().unwrap();
    });
    // The bucket is a function of the identifier alone (the browser computes the same).
    assert_eq!(
        bucket(Kind::Phone, &phone(42)),
        bucket(Kind::Phone, &phone(42))
    );
    assert!(bucket(Kind::Email, "a@b.c").is_none());
}
