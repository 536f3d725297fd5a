// Runs one chain of Stan's NUTS (diagonal metric, adaptation, CmdStan's
// defaults) on a stanc-generated model and reports the gradient evaluations
// it made and its time. Built by bench/stan_sampler.py:
//   g++ -O3 ... -include <model>.hpp sampler_harness.cpp
// The model class is reached through the `stan_model` alias that stanc emits.
//
// usage: sampler_harness DATA.json NUM_WARMUP NUM_SAMPLES SEED
// Prints one JSON object on stdout. Draws are computed (generated
// quantities included, as CmdStan does) and handed to a writer that only
// counts them, so no time goes to formatting or files.
#include <stan/io/empty_var_context.hpp>
#include <stan/io/json/json_data.hpp>
#include <stan/services/sample/hmc_nuts_diag_e_adapt.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <vector>

// Sums the n_leapfrog__ column of every draw (warmup included).
struct counting_writer : public stan::callbacks::writer {
  double leapfrogs = 0;
  long rows = 0;
  bool is_valid() const noexcept override { return true; }
  void operator()(const std::vector<double>& state) override {
    if (state.size() > 4) {
      leapfrogs += state[4];
      ++rows;
    }
  }
};

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: " << argv[0] << " DATA.json NUM_WARMUP NUM_SAMPLES SEED\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  stan::json::json_data data(in);
  const int num_warmup = std::atoi(argv[2]);
  const int num_samples = std::atoi(argv[3]);
  const unsigned int seed = std::atoi(argv[4]);
  stan_model model(data, seed, &std::cerr);
  stan::io::empty_var_context init;
  stan::callbacks::interrupt interrupt;
  stan::callbacks::logger logger;
  stan::callbacks::writer init_writer, diagnostic_writer;
  counting_writer samples;
  auto t0 = std::chrono::steady_clock::now();
  int rc = stan::services::sample::hmc_nuts_diag_e_adapt(
      model, init, seed, 1, 2.0, num_warmup, num_samples, 1, true, 0, 1.0, 0.0,
      10, 0.8, 0.05, 0.75, 10.0, 75, 50, 25, interrupt, logger, init_writer,
      samples, diagnostic_writer);
  double seconds
      = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "{\"return_code\":" << rc << ",\"draws\":" << samples.rows
            << ",\"gradient_evaluations\":" << static_cast<long>(samples.leapfrogs)
            << ",\"seconds\":" << seconds << ",\"us_per_gradient\":"
            << 1e6 * seconds / std::max(1.0, samples.leapfrogs) << "}\n";
  return rc;
}
