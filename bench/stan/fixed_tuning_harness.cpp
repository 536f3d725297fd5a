// Stan's NUTS with a fixed step size and diagonal inverse metric and no
// adaptation (stan::services::sample::hmc_nuts_diag_e), one chain from the
// given initial values (a Stan inits file), printing
// each kept draw's tree depth and number of leapfrog steps, one per line
// ("depth n_leapfrog divergent"). Built by bench/nuts_vs_stan.py.
#include <stan/io/json/json_data.hpp>
#include <stan/services/sample/hmc_nuts_diag_e.hpp>

#include <fstream>
#include <iostream>
#include <vector>

// Writes the sampler columns of each draw: treedepth__, n_leapfrog__, divergent__.
struct tree_writer : public stan::callbacks::writer {
  bool is_valid() const noexcept override { return true; }
  void operator()(const std::vector<double>& state) override {
    if (state.size() > 5)
      std::cout << state[3] << ' ' << state[4] << ' ' << state[5] << '\n';
  }
};

int main(int argc, char** argv) {
  if (argc < 9) {
    std::cerr << "usage: " << argv[0]
              << " DATA.json METRIC.json INITS.json STEPSIZE NUM_WARMUP NUM_SAMPLES SEED CHAIN\n";
    return 2;
  }
  std::ifstream data_in(argv[1]);
  stan::json::json_data data(data_in);
  std::ifstream metric_in(argv[2]);
  stan::json::json_data metric(metric_in);
  std::ifstream init_in(argv[3]);
  stan::json::json_data init(init_in);
  const double stepsize = std::atof(argv[4]);
  const int num_warmup = std::atoi(argv[5]);
  const int num_samples = std::atoi(argv[6]);
  const unsigned int seed = std::atoi(argv[7]);
  const unsigned int chain = std::atoi(argv[8]);
  stan_model model(data, seed, &std::cerr);
  stan::callbacks::interrupt interrupt;
  stan::callbacks::logger logger;
  stan::callbacks::writer init_writer, diagnostic_writer;
  tree_writer samples;
  // init radius 2, thin 1, no warmup draws saved, no refresh, no jitter, max depth 10.
  return stan::services::sample::hmc_nuts_diag_e(
      model, init, metric, seed, chain, 2.0, num_warmup, num_samples, 1, false, 0,
      stepsize, 0.0, 10, interrupt, logger, init_writer, samples, diagnostic_writer);
}
