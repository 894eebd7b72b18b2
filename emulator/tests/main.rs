//! The emulator's integration tests, one binary: storage as S3 has it, faults on demand, the
//! library's Entra credential against the emulator's identity endpoint, and the emulator's own
//! binary. Its agreement with Prism and its runs under the CLI are in `cli/tests`.

#[path = "../../tests/common/mod.rs"]
mod common;

mod binary;
mod credentials_entra;
mod emulator_faults;
mod emulator_storage;
