//! Writes docs/functions.md from the signature table: `cargo run -p stdlib --example gen_functions_doc`.

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/functions.md");
    let text = stdlib::builtins::functions_markdown();
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("cannot write {path}: {e}");
        std::process::exit(1);
    }
    println!("wrote {path}");
}
