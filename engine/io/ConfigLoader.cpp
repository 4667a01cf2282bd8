// Orchestrates the readers of a parameter file: the model reader (io/ModelReader.hpp) in two
// passes around the parameter file's values and --set, the run reader (io/RunReader.hpp), then
// the cross-checks (io/CrossChecks.hpp, io/Units.hpp). The order is part of the behaviour: the
// first mistake in it is the one reported (tests/bad_inputs/cases.toml pins many).
#include "io/ConfigLoader.hpp"

#include <filesystem>
#include <memory>

#include "io/CrossChecks.hpp"
#include "io/LoadState.hpp"
#include "io/ModelReader.hpp"
#include "io/ModelSearchPath.hpp"
#include "io/RunReader.hpp"
#include "io/Sbml.hpp"
#include "io/TomlDocument.hpp"
#include "io/Units.hpp"

namespace egress {

namespace fs = std::filesystem;

namespace {

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// An SBML model file (io/Sbml.hpp) rather than an egress model file.
bool isSbmlPath(const std::string& path) { return endsWith(path, ".xml") || endsWith(path, ".sbml"); }

/// The model file that `model = "ref"` names: a path (relative to the parameter file) when it
/// has a '/' or ends in .toml, .xml or .sbml, else a built-in model on the search path.
std::string resolveModelPath(const Document& params, const std::string& ref, const toml::node& at) {
    const fs::path base = fs::path(params.path()).parent_path();
    const bool looksLikePath = ref.find('/') != std::string::npos || endsWith(ref, ".toml") || isSbmlPath(ref);
    if (looksLikePath) {
        const fs::path p = fs::path(ref).is_absolute() ? fs::path(ref) : base / ref;
        if (!fs::is_regular_file(p)) params.fail(at, "model", "model file '" + p.string() + "' does not exist");
        return p.string();
    }
    std::vector<std::string> known;
    for (const auto& dir : modelSearchPath()) {
        const fs::path p = fs::path(dir) / (ref + ".toml");
        if (fs::is_regular_file(p)) return p.string();
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.path().extension() == ".toml") known.push_back(entry.path().stem().string());
    }
    params.fail(at, "model", "no built-in model named '" + ref + "'" + didYouMean(ref, known));
}

RunConfig load(const std::string& paramsPath, std::string paramsText, const std::vector<std::string>& overrides,
               const std::vector<std::string>& scenarios = {}) {
    RunConfig config;
    config.paramsPath = paramsPath;
    config.overrides = overrides;
    config.paramsText = std::move(paramsText);
    const Document params(paramsPath, config.paramsText);
    const auto& root = params.root();
    params.checkKeys(root, "", {"model", "simulation", "parameters", "perturbations", "events", "output"});

    const toml::node* modelNode = root.get("model");
    if (!modelNode) params.fail(root.source(), "", "missing 'model': give a model file path, a built-in name, or an inline [model] table");
    std::unique_ptr<Document> modelFile;
    const toml::table* modelTable = nullptr;
    if (modelNode->is_string()) {
        config.modelPath = resolveModelPath(params, modelNode->as_string()->get(), *modelNode);
        config.modelText = readTextFile(config.modelPath, "model file");
        if (isSbmlPath(config.modelPath)) {
            // The imported model file is read like any other; its own mistakes would name it so.
            modelFile = std::make_unique<Document>(config.modelPath + " (imported as TOML)",
                                                   importSbmlText(config.modelText, config.modelPath));
        } else {
            modelFile = std::make_unique<Document>(config.modelPath, config.modelText);
        }
        modelTable = &modelFile->root();
    } else if (modelNode->is_table()) {
        modelTable = modelNode->as_table();
    } else {
        params.fail(*modelNode, "model", std::string("expected a file path, a built-in name or a table, found ") + tomlTypeName(*modelNode));
    }
    const Document& modelDoc = modelFile ? *modelFile : params;
    const std::string modelWhere = modelFile ? "" : "model";

    LoadState state;
    ModelReader model(config.model, state);
    RunReader run(config, state, params);
    // All parameter values are known (model, then parameter file, then --set) before any law
    // refers to one, so a model may leave a value for the parameter file to give.
    model.readStructure(modelDoc, *modelTable, modelWhere);
    if (const auto* pn = root.get("parameters")) model.readParameters(params, *pn, "parameters", true);
    model.sortParametersByName();
    run.applyOverrides(overrides);
    model.resolveInitials();
    model.readProcesses(modelDoc, *modelTable, modelWhere);
    run.read(root);
    // Read after the parameter file's own, so perturbation indices (and messages) keep their order.
    std::vector<std::unique_ptr<Document>> scenarioFiles;
    for (const auto& path : scenarios) {
        config.scenarios.push_back(ScenarioInput{path, readTextFile(path, "scenario file")});
        scenarioFiles.push_back(std::make_unique<Document>(path, config.scenarios.back().text));
        run.readScenario(*scenarioFiles.back());
    }
    config.model.resolveRunConstants();
    checkValues(config, state, params);
    checkUnits(config.model, state);
    checkUnused(config, state);
    semanticWarnings(config, modelDoc, params);
    return config;
}

}  // namespace

RunConfig loadRunConfig(const std::string& paramsPath, const std::vector<std::string>& overrides,
                        const std::vector<std::string>& scenarios) {
    return load(paramsPath, readTextFile(paramsPath, "parameter file"), overrides, scenarios);
}

RunConfig loadRunConfigFromText(const std::string& text, const std::string& paramsPath,
                                const std::vector<std::string>& overrides) {
    return load(paramsPath, text, overrides);
}

}  // namespace egress
