//! Build script: generates the parser from the lalrpop grammar in src/syntax.
fn main() {
    lalrpop::Configuration::new()
        .use_cargo_dir_conventions()
        .process()
        .expect("lalrpop grammar failed to build");
}
