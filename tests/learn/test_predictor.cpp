// Predictor: results equal a direct forward of the bundle's network on the same preprocessing, arrive in input order
// with unreadable photos reported in place, TTA is a real average that is invariant to flipping the photo, and
// Grad-CAM heat is the ReLU of the class-weighted layer4 map, mapped back onto the photo through the crop. The
// prediction job's file sink writes PredictionTable rows, resumes after a kill and marks a finished file.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/imaging/imagedecoder.h"
#include "core/imaging/findframe.h"
#include "core/train/canvas.h"
#include "core/predict/inferencepreprocess.h"
#include "core/predict/predictionjob.h"
#include "core/predict/predictor.h"
#include "core/nn/modelbundle_torch.h"

namespace fs = std::filesystem;
using namespace tessera;

namespace {

class PredictorTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device rd;
        dir_ = fs::temp_directory_path() /
               ("tessera-predictor-" + std::to_string(rd()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        fs::create_directories(dir_);
        torch::manual_seed(7);
        at::set_num_threads(2);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    // A random-weight resnet18 bundle; the head is scaled down so the softmax is not saturated.
    fs::path makeBundle(int inputSize, int canvas, int classes = 3, double headScale = 0.02, double temperature = 1.0) {
        nn::ResNet net(nn::Architecture::ResNet18, classes);
        {
            torch::NoGradGuard g;
            net->named_parameters()["fc.weight"].mul_(headScale);
        }
        net->eval();
        nn::BundleManifest m;
        m.arch = "resnet18";
        for (int c = 0; c < classes; ++c) m.classNames.push_back("class" + std::to_string(c));
        m.preprocessing.inputSize = inputSize;
        m.preprocessing.canvasSize = canvas;
        m.preprocessing.resizePolicy = "canvas_then_center_crop";
        if (temperature != 1.0) {
            m.calibration.temperature = temperature;
            m.calibration.fittedOn = "validation";
            m.calibration.photos = 50;
        }
        const fs::path p = dir_ / ("m" + std::to_string(inputSize) + "_t" + std::to_string(temperature) + ".tessera-model");
        auto st = nn::ModelBundleIO::save(p.string(), net, m);
        EXPECT_TRUE(st.ok()) << st.error();
        return p;
    }

    fs::path writeImage(const std::string& name, int w, int h, unsigned seed) {
        cv::Mat img(h, w, CV_8UC3);
        cv::RNG rng(seed);
        rng.fill(img, cv::RNG::UNIFORM, 0, 255);
        cv::GaussianBlur(img, img, cv::Size(5, 5), 0);  // some structure beyond pure noise
        const fs::path p = dir_ / name;
        EXPECT_TRUE(cv::imwrite(p.string(), img));
        return p;
    }

    // The reference: decode as documented, preprocess, forward the model loaded independently from the bundle.
    std::vector<float> direct(const fs::path& bundle, const fs::path& photo) {
        auto loaded = nn::ModelBundleIO::load(bundle.string());
        EXPECT_TRUE(loaded.ok());
        learn::InferencePreprocess prep(loaded->manifest.preprocessing);
        auto header = imaging::ImageDecoder::probe(photo);
        EXPECT_TRUE(header.ok());
        imaging::DecodeOptions o;
        o.minLongSide = prep.decodeLongSide(header->width, header->height);
        auto img = imaging::ImageDecoder::decode(photo, o);
        EXPECT_TRUE(img.ok());
        const int S = prep.inputSize();
        auto x = torch::empty({1, 3, S, S});
        prep.normalizeInto(prep.crop(*img), x.data_ptr<float>());
        torch::NoGradGuard g;
        auto p = torch::softmax(loaded->model->forward(x), 1).contiguous();
        return std::vector<float>(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
    }

    std::vector<learn::Prediction> run(learn::Predictor& pr, const std::vector<fs::path>& files) {
        std::vector<learn::Prediction> out;
        auto st = pr.predict(files, [&](const learn::Prediction& p) { out.push_back(p); }, JobContext{});
        EXPECT_TRUE(st.ok()) << st.error();
        return out;
    }

    fs::path dir_;
};

TEST_F(PredictorTest, MatchesDirectForwardKeepsOrderAndReportsBadFiles) {
    const auto bundle = makeBundle(32, 40);
    std::vector<fs::path> files = {writeImage("z.png", 50, 40, 1), writeImage("a.jpg", 37, 61, 2),
                                   dir_ / "broken.jpg", writeImage("m.png", 40, 40, 3),
                                   writeImage("big.jpg", 400, 300, 4), dir_ / "missing.png"};
    std::ofstream(files[2], std::ios::binary) << "\xff\xd8\xff\xe0 this is not a JPEG";
    auto opt = learn::PredictOptions::defaults();
    opt.batchSize = 2;  // several batches in flight through the pipeline
    opt.decodeThreads = 2;
    opt.topK = 2;
    opt.device = "cpu";
    auto pr = learn::Predictor::open(bundle, opt);
    ASSERT_TRUE(pr.ok()) << pr.error();
    EXPECT_EQ(pr->classNames().size(), 3u);
    const auto res = run(*pr, files);
    ASSERT_EQ(res.size(), files.size());
    for (size_t i = 0; i < files.size(); ++i) {
        EXPECT_EQ(res[i].file, files[i]) << "input order";
        const bool bad = i == 2 || i == 5;
        if (bad) {
            EXPECT_NE(res[i].error.find(files[i].filename().string()), std::string::npos) << res[i].error;
            EXPECT_TRUE(res[i].top.empty());
            continue;
        }
        ASSERT_TRUE(res[i].error.empty()) << res[i].error;
        EXPECT_EQ(res[i].contentHash.size(), 64u);
        const auto ref = direct(bundle, files[i]);
        ASSERT_EQ(res[i].probabilities.size(), ref.size());
        for (size_t c = 0; c < ref.size(); ++c) EXPECT_NEAR(res[i].probabilities[c], ref[c], 1e-5) << files[i];
        ASSERT_EQ(res[i].top.size(), 2u);
        EXPECT_GE(res[i].top[0].probability, res[i].top[1].probability);
        EXPECT_FLOAT_EQ(res[i].top[0].probability, *std::max_element(ref.begin(), ref.end()));
        EXPECT_EQ(res[i].top[0].className, "class" + std::to_string(res[i].top[0].classIndex));
    }
    auto one = pr->predictOne(files[2]);
    ASSERT_FALSE(one.ok());
    EXPECT_NE(one.error().find("broken.jpg"), std::string::npos);
}

TEST_F(PredictorTest, UnknownBelowThreshold) {
    const auto bundle = makeBundle(32, 40);
    const auto f = writeImage("x.png", 40, 40, 5);
    auto opt = learn::PredictOptions::defaults();
    opt.device = "cpu";
    opt.unknownBelow = 1.0;  // nothing is that certain
    auto pr = learn::Predictor::open(bundle, opt);
    ASSERT_TRUE(pr.ok());
    auto p = pr->predictOne(f);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->unknown);
    EXPECT_LT(p->top[0].probability, 0.999f) << "the test model must not be saturated";
}

// A calibrated bundle's scores are softmax(logits / T): with T = 0.5 each raw probability squared and renormalised.
// The "unknown below" threshold reads the calibrated score; PredictOptions::calibrated = false gives the raw softmax.
TEST_F(PredictorTest, AppliesTheBundlesTemperatureToScoresAndToTheUnknownThreshold) {
    const auto bundle = makeBundle(32, 40, 3, 3.0, 0.5);
    const auto f = writeImage("x.png", 40, 40, 9);
    const auto raw = direct(bundle, f);
    std::vector<float> expected(raw.size());
    double sum = 0.0;
    for (float p : raw) sum += double(p) * p;
    for (size_t k = 0; k < raw.size(); ++k) expected[k] = float(double(raw[k]) * raw[k] / sum);
    const float rawTop = *std::max_element(raw.begin(), raw.end());
    const float calibratedTop = *std::max_element(expected.begin(), expected.end());
    ASSERT_GT(calibratedTop - rawTop, 0.02f) << "the test model must be far enough from uniform to see T";

    auto opt = learn::PredictOptions::defaults();
    opt.device = "cpu";
    opt.unknownBelow = (rawTop + calibratedTop) / 2;
    auto calibrated = learn::Predictor::open(bundle, opt);
    ASSERT_TRUE(calibrated.ok()) << calibrated.error();
    EXPECT_DOUBLE_EQ(calibrated->temperature(), 0.5);
    EXPECT_EQ(calibrated->calibration().fittedOn, "validation");
    auto p = calibrated->predictOne(f);
    ASSERT_TRUE(p.ok()) << p.error();
    for (size_t k = 0; k < expected.size(); ++k) EXPECT_NEAR(p->probabilities[k], expected[k], 1e-4) << k;
    EXPECT_FALSE(p->unknown);

    opt.calibrated = false;
    auto uncalibrated = learn::Predictor::open(bundle, opt);
    ASSERT_TRUE(uncalibrated.ok()) << uncalibrated.error();
    EXPECT_DOUBLE_EQ(uncalibrated->temperature(), 1.0);
    auto q = uncalibrated->predictOne(f);
    ASSERT_TRUE(q.ok()) << q.error();
    for (size_t k = 0; k < raw.size(); ++k) EXPECT_NEAR(q->probabilities[k], raw[k], 1e-4) << k;
    EXPECT_TRUE(q->unknown);
}

TEST_F(PredictorTest, TtaDiffersFromPlainAndIsInvariantToFlips) {
    const auto bundle = makeBundle(32, 40, 3, 0.5);  // a larger head: flips move the probabilities visibly
    // 40x40 = the canvas: no resize or padding, and the 32 px centre crop is symmetric, so flipping the photo
    // flips the network input exactly.
    const auto f = writeImage("x.png", 40, 40, 9);
    cv::Mat img = cv::imread(f.string());
    cv::Mat h, r;
    cv::flip(img, h, 1);
    cv::rotate(img, r, cv::ROTATE_90_CLOCKWISE);
    ASSERT_TRUE(cv::imwrite((dir_ / "h.png").string(), h));
    ASSERT_TRUE(cv::imwrite((dir_ / "r.png").string(), r));
    auto opt = learn::PredictOptions::defaults();
    opt.device = "cpu";
    auto plain = learn::Predictor::open(bundle, opt);
    opt.tta = true;
    auto tta = learn::Predictor::open(bundle, opt);
    ASSERT_TRUE(plain.ok() && tta.ok());
    const auto p = run(*plain, {f, dir_ / "h.png"});
    const auto t = run(*tta, {f, dir_ / "h.png", dir_ / "r.png"});
    double plainFlipDiff = 0, ttaPlainDiff = 0;
    for (size_t c = 0; c < 3; ++c) {
        plainFlipDiff = std::max(plainFlipDiff, double(std::abs(p[0].probabilities[c] - p[1].probabilities[c])));
        ttaPlainDiff = std::max(ttaPlainDiff, double(std::abs(t[0].probabilities[c] - p[0].probabilities[c])));
        EXPECT_NEAR(t[0].probabilities[c], t[1].probabilities[c], 1e-5) << "h-flip";
        EXPECT_NEAR(t[0].probabilities[c], t[2].probabilities[c], 1e-5) << "quarter turn";
    }
    EXPECT_GT(plainFlipDiff, 1e-3) << "the plain model must see the flip, or the invariance check is empty";
    EXPECT_GT(ttaPlainDiff, 1e-3);
}

TEST_F(PredictorTest, GradCamIsTheClassWeightedLayer4MapOnThePhoto) {
    const auto bundle = makeBundle(64, 80, 2);
    const auto f = writeImage("x.png", 80, 80, 11);  // = the canvas: the crop is the photo's centre 64x64
    auto opt = learn::PredictOptions::defaults();
    opt.device = "cpu";
    auto pr = learn::Predictor::open(bundle, opt);
    ASSERT_TRUE(pr.ok());
    auto cam = pr->gradCam(f, 1);
    ASSERT_TRUE(cam.ok()) << cam.error();
    EXPECT_EQ(cam->classIndex, 1);
    ASSERT_EQ(cam->heat.type(), CV_32FC1);
    EXPECT_EQ(cam->heat.size(), cv::Size(80, 80));
    EXPECT_EQ(cam->photo.size(), cv::Size(80, 80));
    EXPECT_EQ(cam->overlay.size(), cv::Size(80, 80));
    double lo, hi;
    cv::minMaxLoc(cam->heat, &lo, &hi);
    EXPECT_GE(lo, 0.0);
    EXPECT_LE(hi, 1.0 + 1e-6);
    EXPECT_GT(hi, 0.9);

    // Reference: for a network with global average pooling, Grad-CAM's channel weights are the fc row / (h*w).
    auto loaded = nn::ModelBundleIO::load(bundle.string());
    ASSERT_TRUE(loaded.ok());
    learn::InferencePreprocess prep(loaded->manifest.preprocessing);
    auto img = imaging::ImageDecoder::decode(f);
    ASSERT_TRUE(img.ok());
    auto x = torch::empty({1, 3, 64, 64});
    prep.normalizeInto(prep.crop(*img), x.data_ptr<float>());
    torch::NoGradGuard g;
    auto A = loaded->model->features(x)[0];  // (512, 2, 2)
    auto w = loaded->model->named_parameters()["fc.weight"][1].view({-1, 1, 1});
    auto ref = torch::relu((w * A).sum(0));
    ref = (ref / ref.max()).contiguous();
    auto p = torch::softmax(loaded->model->forward(x), 1);
    EXPECT_NEAR(cam->probability, p[0][1].item<float>(), 1e-5);
    cv::Mat refMat(int(ref.size(0)), int(ref.size(1)), CV_32FC1, ref.data_ptr<float>()), refCrop;
    cv::resize(refMat, refCrop, cv::Size(64, 64), 0, 0, cv::INTER_LINEAR);
    double maxErr = 0;
    for (int y = 0; y < 80; ++y)
        for (int xx = 0; xx < 80; ++xx) {
            const bool inside = xx >= 8 && xx < 72 && y >= 8 && y < 72;
            const float expect = inside ? refCrop.at<float>(y - 8, xx - 8) : 0.f;
            if (inside && (xx == 8 || xx == 71 || y == 8 || y == 71)) continue;  // edge pixels blend with outside
            maxErr = std::max(maxErr, double(std::abs(cam->heat.at<float>(y, xx) - expect)));
        }
    EXPECT_LT(maxErr, 1e-3);

    auto bad = pr->gradCam(f, 5);
    EXPECT_FALSE(bad.ok());
}

TEST_F(PredictorTest, ShorterSidePolicyGeometry) {
    nn::BundlePreprocessing pp;
    pp.inputSize = 224;
    pp.resizePolicy = "shorter_side_then_center_crop";
    learn::InferencePreprocess prep(pp);
    // 300x200 -> 384x256 (torchvision Resize(256)), then the centre 224 crop at (80, 16).
    EXPECT_EQ(prep.decodeLongSide(300, 200), 384);
    cv::Mat img(200, 300, CV_8UC3, cv::Scalar(10, 20, 30));
    auto c = prep.crop(img);
    EXPECT_EQ(c.size(), cv::Size(224, 224));
    const auto M = prep.photoToCrop(img);
    // The photo's centre (149.5, 99.5) lands on the crop's centre (111.5, 111.5).
    EXPECT_NEAR(M(0, 0) * 149.5 + M(0, 2), 111.5, 1e-9);
    EXPECT_NEAR(M(1, 1) * 99.5 + M(1, 2), 111.5, 1e-9);
}

TEST_F(PredictorTest, FindFramingCropsToTheFindAndMapsItsCentreToTheCropCentre) {
    // A dark square find, small in a 1200 x 900 photo of a plain backdrop.
    cv::Mat photo(900, 1200, CV_8UC3, cv::Scalar(210, 210, 205));
    const cv::Rect find(700, 200, 150, 150);
    photo(find).setTo(cv::Scalar(90, 60, 40));
    nn::BundlePreprocessing pp;
    pp.inputSize = 64;
    pp.canvasSize = 80;
    pp.resizePolicy = "canvas_then_center_crop";
    pp.framing = "find";
    learn::InferencePreprocess prep(pp);
    // Decoded large enough for the find's box to fill the canvas.
    EXPECT_EQ(prep.decodeLongSide(1200, 900), 80 * learn::kFindDecodeFactor);

    const cv::Rect box = imaging::locateFind(photo);
    const cv::Mat expected = learn::Canvas::fit(photo(box), 80, nullptr)(cv::Rect(8, 8, 64, 64));
    const cv::Mat crop = prep.crop(photo);
    ASSERT_EQ(crop.size(), cv::Size(64, 64));
    EXPECT_EQ(cv::norm(crop, expected, cv::NORM_INF), 0.0);
    // Most of the crop is the find (the whole photo would show it as a 10 px square).
    const cv::Scalar mean = cv::mean(crop);
    EXPECT_LT(mean[0], 140.0) << mean;

    const auto M = prep.photoToCrop(photo);
    const cv::Point2d c(find.x + find.width / 2.0 - 0.5, find.y + find.height / 2.0 - 0.5);
    EXPECT_NEAR(M(0, 0) * c.x + M(0, 2), 31.5, 1.5);
    EXPECT_NEAR(M(1, 1) * c.y + M(1, 2), 31.5, 1.5);

    pp.framing = "photo";
    const cv::Scalar whole = cv::mean(learn::InferencePreprocess(pp).crop(photo));
    EXPECT_GT(whole[0], 190.0) << whole;
}

TEST_F(PredictorTest, TheJobsFileResumesAfterAKillAndIsMarkedDoneWhenComplete) {
    const auto bundle = makeBundle(32, 40);
    std::vector<fs::path> files;
    for (unsigned i = 0; i < 5; ++i) files.push_back(writeImage("p" + std::to_string(i) + ".png", 40, 30, 10 + i));
    files.push_back(dir_ / "missing.png");
    auto opt = learn::PredictOptions::defaults();
    opt.device = "cpu";
    opt.topK = 2;
    auto pr = learn::Predictor::open(bundle, opt);
    ASSERT_TRUE(pr.ok()) << pr.error();
    const fs::path out = dir_ / "calls.csv";
    const learn::PredictionFileSink::Shard shard{1, 1, 6, 6};
    const auto csv = learn::PredictionFormat::Csv;

    // The first run is "killed" after three photos, in the middle of writing the fourth record.
    {
        auto sink = learn::PredictionFileSink::open(out, csv, 2, "model-a", shard);
        ASSERT_TRUE(sink.ok()) << sink.error();
        const std::vector<fs::path> firstThree(files.begin(), files.begin() + 3);
        auto counts = learn::runPredictionJob(*pr, firstThree, {sink->get()}, {});
        ASSERT_TRUE(counts.ok()) << counts.error();
        EXPECT_EQ(counts->classified, 3);
    }
    fs::remove(out.string() + ".done");
    std::ofstream(out, std::ios::app) << files[3].string() << ",abc";  // a partial record
    const std::string afterThree = [&] {
        std::ifstream in(out);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }();

    auto other = learn::PredictionFileSink::open(out, csv, 2, "model-b", shard);
    ASSERT_FALSE(other.ok());
    EXPECT_NE(other.error().find("written by another model"), std::string::npos) << other.error();

    auto sink = learn::PredictionFileSink::open(out, csv, 2, "model-a", shard);
    ASSERT_TRUE(sink.ok()) << sink.error();
    EXPECT_EQ((*sink)->alreadyDone().size(), 3u);
    EXPECT_EQ((*sink)->partialBytesRemoved(), int64_t(files[3].string().size() + 4));
    std::vector<fs::path> todo;
    for (const auto& f : files)
        if (!(*sink)->alreadyDone().count(f.string())) todo.push_back(f);
    ASSERT_EQ(todo.size(), 3u);
    auto counts = learn::runPredictionJob(*pr, todo, {sink->get()}, {});
    ASSERT_TRUE(counts.ok()) << counts.error();
    EXPECT_EQ(counts->classified, 2);
    EXPECT_EQ(counts->unreadable, 1);

    auto table = learn::PredictionTable::read(out, csv);
    ASSERT_TRUE(table.ok()) << table.error();
    ASSERT_EQ(table->records.size(), files.size());
    EXPECT_EQ(table->completeBytes, table->totalBytes);
    for (size_t i = 0; i < files.size(); ++i) {
        EXPECT_EQ(table->records[i].file, files[i].string());
        EXPECT_EQ(table->records[i].model, "model-a");
    }
    EXPECT_NE(table->records.back().error.find("missing.png"), std::string::npos);
    EXPECT_EQ(table->header, learn::PredictionTable::header(csv, 2));
    std::ifstream done(out.string() + ".done");
    const std::string marker((std::istreambuf_iterator<char>(done)), {});
    EXPECT_NE(marker.find("\"model\": \"model-a\""), std::string::npos) << marker;
    EXPECT_NE(marker.find("\"rows\": 6"), std::string::npos) << marker;
    // The first run's rows are kept byte for byte; only the partial record was cut off.
    const std::string firstRows = afterThree.substr(0, afterThree.size() - size_t((*sink)->partialBytesRemoved()));
    std::string whole = table->header;
    for (size_t i = 0; i < 3; ++i) whole += table->records[i].text;
    EXPECT_EQ(whole, firstRows);
}

TEST_F(PredictorTest, ACancelledJobKeepsItsRowsAndIsNotMarkedDone) {
    const auto bundle = makeBundle(32, 40);
    std::vector<fs::path> files;
    for (unsigned i = 0; i < 4; ++i) files.push_back(writeImage("c" + std::to_string(i) + ".png", 40, 30, 20 + i));
    auto opt = learn::PredictOptions::defaults();
    opt.device = "cpu";
    opt.batchSize = 1;
    auto pr = learn::Predictor::open(bundle, opt);
    ASSERT_TRUE(pr.ok()) << pr.error();
    const fs::path out = dir_ / "calls.jsonl";
    auto sink = learn::PredictionFileSink::open(out, learn::PredictionFormat::Jsonl, 3, "m", {1, 1, 4, 4});
    ASSERT_TRUE(sink.ok()) << sink.error();
    CancelToken cancel;
    cancel.cancel();
    JobContext ctx;
    ctx.cancel = cancel;
    auto counts = learn::runPredictionJob(*pr, files, {sink->get()}, ctx);
    ASSERT_FALSE(counts.ok());
    EXPECT_FALSE(fs::exists(out.string() + ".done"));
    auto table = learn::PredictionTable::read(out, learn::PredictionFormat::Jsonl);
    ASSERT_TRUE(table.ok()) << table.error();
    EXPECT_EQ(table->completeBytes, table->totalBytes) << "only whole records";
    EXPECT_LT(table->records.size(), files.size());
}

TEST_F(PredictorTest, BadBundleIsNamed) {
    const fs::path p = dir_ / "junk.tessera-model";
    std::ofstream(p) << "not a zip";
    auto pr = learn::Predictor::open(p);
    ASSERT_FALSE(pr.ok());
    EXPECT_NE(pr.error().find("junk.tessera-model"), std::string::npos) << pr.error();
}

}  // namespace
