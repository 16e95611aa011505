#include "ui/train/trainform.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "core/imaging/imagedecoder.h"
#include "core/train/augmentpreset.h"
#include "core/device/deviceinfo.h"
#include "core/nn/startingweights.h"
#include "core/nn/weightscache.h"
#include "ui/shared/jobrunner.h"

namespace tessera::ui {

namespace {

QImage toQImage(const cv::Mat& rgb) {
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
}

QString megabytes(int64_t bytes) { return QLocale().formattedDataSize(bytes, 0); }

}  // namespace

QString TrainForm::modeExplanation(learn::TrainMode mode) {
    switch (mode) {
        case learn::TrainMode::LinearProbe:
            return tr("Keeps the pretrained network as it is and only learns the final choice between your classes. "
                      "Fastest; works with a few dozen photos per class.");
        case learn::TrainMode::Partial:
            return tr("Also adapts the last part of the network to your finds. A good middle way with a few hundred "
                      "photos.");
        case learn::TrainMode::Full: break;
    }
    return tr("Adapts the whole network to your finds. Best with many photos per class; the slowest.");
}

TrainForm::TrainForm(JobRunner* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(createModelBox());
    layout->addWidget(createRunBox());
    layout->addWidget(createPreviewBox());
    layout->addStretch();

    setOptions(learn::TrainOptions::defaults());
    mode_->setCurrentIndex(mode_->findData(int(learn::TrainMode::Partial)));
    epochs_->setValue(10);

    auto zoo = nn::ModelZoo::load();
    if (zoo.ok()) zoo_ = std::move(*zoo);
    else zooError_ = QString::fromStdString(zoo.error());

    connectControls();
    refreshWeights();
    updateModeHelp();
    updateLrText();
}

// Network, starting weights (with download and import) and training mode.
QGroupBox* TrainForm::createModelBox() {
    auto* modelBox = new QGroupBox(tr("Model"), this);
    auto* form = new QFormLayout(modelBox);

    arch_ = new QComboBox(modelBox);
    arch_->addItem(tr("ResNet-18 (small, fast)"), QStringLiteral("resnet18"));
    arch_->addItem(tr("ResNet-34 (medium)"), QStringLiteral("resnet34"));
    arch_->addItem(tr("ResNet-50 (large, most accurate)"), QStringLiteral("resnet50"));
    form->addRow(tr("Network:"), arch_);

    weights_ = new QComboBox(modelBox);
    weights_->setObjectName(QStringLiteral("weightsChoice"));
    form->addRow(tr("Start from:"), weights_);
    weightsStatus_ = new QLabel(modelBox);
    weightsStatus_->setObjectName(QStringLiteral("weightsStatus"));
    weightsStatus_->setWordWrap(true);
    form->addRow(QString(), weightsStatus_);
    auto* weightButtons = new QHBoxLayout;
    downloadButton_ = new QPushButton(tr("Download"), modelBox);
    downloadButton_->setToolTip(tr("Fetch the pretrained weights from the official address (once; checked by SHA-256)"));
    downloadButton_->setObjectName(QStringLiteral("downloadWeightsButton"));
    cancelDownload_ = new QPushButton(tr("Cancel"), modelBox);
    cancelDownload_->setObjectName(QStringLiteral("cancelDownloadButton"));
    useFile_ = new QPushButton(tr("Use file…"), modelBox);
    useFile_->setObjectName(QStringLiteral("useWeightsFileButton"));
    useFile_->setToolTip(tr("Install a weights file copied from another computer (checked by SHA-256)"));
    weightButtons->addWidget(downloadButton_);
    weightButtons->addWidget(cancelDownload_);
    weightButtons->addWidget(useFile_);
    weightButtons->addStretch();
    form->addRow(QString(), weightButtons);
    downloadBar_ = new QProgressBar(modelBox);
    downloadBar_->setObjectName(QStringLiteral("downloadProgress"));
    downloadBar_->setMaximumHeight(14);
    downloadBar_->hide();
    cancelDownload_->hide();
    form->addRow(QString(), downloadBar_);

    mode_ = new QComboBox(modelBox);
    mode_->addItem(tr("Linear probe"), int(learn::TrainMode::LinearProbe));
    mode_->addItem(tr("Partial fine-tuning"), int(learn::TrainMode::Partial));
    mode_->addItem(tr("Full fine-tuning"), int(learn::TrainMode::Full));
    form->addRow(tr("Training:"), mode_);
    modeHelp_ = new QLabel(modelBox);
    modeHelp_->setWordWrap(true);
    modeHelp_->setStyleSheet(QStringLiteral("color: palette(mid);"));
    form->addRow(QString(), modeHelp_);
    return modelBox;
}

// Epochs, image size, batch, learning rate, variations, framing, disputed labels, seed, device.
QGroupBox* TrainForm::createRunBox() {
    auto* runBox = new QGroupBox(tr("Run"), this);
    auto* runForm = new QFormLayout(runBox);
    epochs_ = new QSpinBox(runBox);
    epochs_->setRange(1, 500);
    epochs_->setToolTip(tr("How many times the network sees every training photo"));
    runForm->addRow(tr("Epochs:"), epochs_);
    imageSize_ = new QSpinBox(runBox);
    imageSize_->setRange(0, 512);  // 0, then 32, 64, ...: the training refuses sizes under 32 typed in
    imageSize_->setSingleStep(32);
    imageSize_->setSuffix(tr(" px"));
    imageSize_->setSpecialValueText(tr("Automatic"));
    imageSize_->setToolTip(tr("Side of the square the photos are scaled to; larger sees more detail but is slower. "
                              "Automatic: 224 px on a GPU, 128 px on the CPU"));
    runForm->addRow(tr("Image size:"), imageSize_);
    batch_ = new QSpinBox(runBox);
    batch_->setRange(0, 512);
    batch_->setSpecialValueText(tr("Automatic"));
    batch_->setToolTip(tr("Photos per step. Automatic: 16 for fewer than 2,000 training photos, else 32; on a GPU "
                          "up to 256 for large collections, as its memory allows. Halved automatically when the "
                          "GPU runs out of memory"));
    runForm->addRow(tr("Batch size:"), batch_);
    lr_ = new QDoubleSpinBox(runBox);
    lr_->setDecimals(5);
    lr_->setRange(0.0, 1.0);
    lr_->setSingleStep(0.0001);
    lr_->setToolTip(tr("How big each learning step is. Leave it on automatic unless you know why."));
    runForm->addRow(tr("Learning rate:"), lr_);
    augment_ = new QComboBox(runBox);
    augment_->addItem(tr("None"), int(learn::AugmentPreset::None));
    augment_->addItem(tr("Light"), int(learn::AugmentPreset::Light));
    augment_->addItem(tr("Strong"), int(learn::AugmentPreset::Strong));
    augment_->addItem(tr("Archaeology (any rotation, lighting, tilt)"), int(learn::AugmentPreset::Archaeology));
    augment_->setToolTip(tr("Random variations of the photos during training, so the model does not learn "
                            "the camera set-up instead of the finds"));
    runForm->addRow(tr("Variations:"), augment_);
    centreOnFind_ = new QCheckBox(tr("Centre on the find"), runBox);
    centreOnFind_->setToolTip(tr("Look at the find, not at the backdrop around it: each photo is cropped to the "
                                 "object on its plain background before it is scaled. A photo without a plain "
                                 "background keeps its whole frame. The model remembers this for its predictions."));
    runForm->addRow(QString(), centreOnFind_);
    includeDisputed_ = new QCheckBox(tr("Train on disputed labels too"), runBox);
    includeDisputed_->setToolTip(tr("Photos whose label is marked as disputed are left out of training and of its "
                                    "validation, so that an open attribution is not taught as the truth. Tick this "
                                    "to use their current labels all the same."));
    runForm->addRow(QString(), includeDisputed_);
    seed_ = new QSpinBox(runBox);
    seed_->setRange(0, 1 << 30);
    seed_->setToolTip(tr("The same seed, photos and settings give the same split and the same run"));
    runForm->addRow(tr("Seed:"), seed_);
    device_ = new QComboBox(runBox);
    device_->addItem(tr("Automatic"), QStringLiteral("auto"));
    device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    device_->addItem(tr("GPU (CUDA)"), QStringLiteral("cuda"));
    const auto& dev = learn::deviceInfo();
    if (!dev.cudaAvailable) {
        device_->setItemData(2, false, Qt::UserRole - 1);  // disabled item
        device_->setItemData(2, QString::fromStdString(dev.cudaUnavailableReason), Qt::ToolTipRole);
    }
    device_->setToolTip(QString::fromStdString(dev.summary()));
    runForm->addRow(tr("Device:"), device_);
    return runBox;
}

// What the chosen variations do to the photo selected in Dataset mode.
QGroupBox* TrainForm::createPreviewBox() {
    auto* previewBox = new QGroupBox(tr("Variations of the selected photo"), this);
    auto* previewLayout = new QVBoxLayout(previewBox);
    previewGrid_ = new QGridLayout;
    previewGrid_->setSpacing(3);
    for (int i = 0; i < kPreviewCount; ++i) {
        auto* cell = new QLabel(previewBox);
        cell->setFixedSize(kPreviewSize, kPreviewSize);
        cell->setAlignment(Qt::AlignCenter);
        cell->setStyleSheet(QStringLiteral("background: palette(base); border: 1px solid palette(mid);"));
        previewGrid_->addWidget(cell, i / 4, i % 4);
        previewCells_ << cell;
    }
    previewLayout->addLayout(previewGrid_);
    previewNote_ = new QLabel(tr("Select a photo in Dataset mode to see what the variations do to it."), previewBox);
    previewNote_->setWordWrap(true);
    previewLayout->addWidget(previewNote_);
    return previewBox;
}

void TrainForm::connectControls() {
    connect(arch_, &QComboBox::currentIndexChanged, this, [this] { refreshWeights(); updateLrText(); });
    connect(weights_, &QComboBox::currentIndexChanged, this, [this] {
        updateWeightsStatus();
        updateLrText();
        updateModeHelp();
    });
    connect(mode_, &QComboBox::currentIndexChanged, this, [this] {
        updateModeHelp();
        updateLrText();
    });
    connect(augment_, &QComboBox::currentIndexChanged, this, &TrainForm::refreshPreview);
    connect(centreOnFind_, &QCheckBox::toggled, this, &TrainForm::refreshPreview);
    connect(includeDisputed_, &QCheckBox::toggled, this, &TrainForm::includeDisputedChanged);
    connect(seed_, &QSpinBox::valueChanged, this, &TrainForm::refreshPreview);
    connect(downloadButton_, &QPushButton::clicked, this, &TrainForm::startDownload);
    connect(cancelDownload_, &QPushButton::clicked, this, [this] { jobs_->cancel(weightsJob_); });
    connect(useFile_, &QPushButton::clicked, this, &TrainForm::importFile);
    connect(jobs_, &JobRunner::progressed, this, [this](int job, const Progress& p) {
        if (job != weightsJob_) return;
        if (p.total <= 0) downloadBar_->setRange(0, 0);
        else downloadBar_->setRange(0, 1000), downloadBar_->setValue(int(1000 * p.done / p.total));
    });
}

void TrainForm::updateModeHelp() {
    const auto mode = learn::TrainMode(mode_->currentData().toInt());
    QString text = modeExplanation(mode);
    if (mode == learn::TrainMode::LinearProbe && options().weightsPath == "none")
        text += QStringLiteral("\n") + tr("This needs pretrained weights: download them above (or use a file) first.");
    modeHelp_->setText(text);
}

QString TrainForm::modeHint() const { return modeHelp_->text(); }

QString TrainForm::weightsStatusText() const { return weightsStatus_->text(); }

bool TrainForm::selectWeights(const QString& zooName) {
    const nn::ZooEntry* e = zoo_ ? zoo_->find(zooName.toStdString()) : nullptr;
    if (!e) return false;
    const int a = arch_->findData(QString::fromStdString(e->arch));
    if (a < 0) return false;
    arch_->setCurrentIndex(a);  // refills the weights list for that network
    const int w = weights_->findData(QString::fromStdString(e->name));
    if (w < 0) return false;
    weights_->setCurrentIndex(w);
    return true;
}

TrainForm::~TrainForm() = default;

bool TrainForm::includeDisputed() const { return includeDisputed_->isChecked(); }
void TrainForm::setIncludeDisputed(bool include) { includeDisputed_->setChecked(include); }

void TrainForm::setOptions(const learn::TrainOptions& o) {
    const auto pick = [](QComboBox* box, const QVariant& value) {
        const int i = box->findData(value);
        if (i >= 0) box->setCurrentIndex(i);
    };
    pick(arch_, QString::fromStdString(o.arch));
    pick(mode_, int(o.mode));
    pick(augment_, int(o.augmentation));
    centreOnFind_->setChecked(o.framing == learn::Framing::Find);
    includeDisputed_->setChecked(o.includeDisputed);
    pick(device_, QString::fromStdString(o.device));
    epochs_->setValue(o.epochs);
    imageSize_->setValue(o.imageSize);
    batch_->setValue(o.batchSize);
    lr_->setValue(o.lr);
    seed_->setValue(int(o.seed));
}

learn::TrainOptions TrainForm::options() const {
    learn::TrainOptions o = learn::TrainOptions::defaults();
    o.arch = arch_->currentData().toString().toStdString();
    o.mode = learn::TrainMode(mode_->currentData().toInt());
    o.augmentation = learn::AugmentPreset(augment_->currentData().toInt());
    o.framing = centreOnFind_->isChecked() ? learn::Framing::Find : learn::Framing::Photo;
    o.includeDisputed = includeDisputed_->isChecked();
    o.device = device_->currentData().toString().toStdString();
    o.epochs = epochs_->value();
    o.imageSize = imageSize_->value();
    o.batchSize = batch_->value();
    o.lr = lr_->value();
    o.seed = uint64_t(seed_->value());
    // Weights chosen but not on this computer yet start from scratch, as the status line under the choice says.
    const nn::ZooEntry* e = selectedEntry();
    const auto weights = nn::resolveStartingWeights(e ? e->name : nn::kNoWeights, o.arch, nn::WeightsFetch::CacheOnly, {});
    o.weightsPath = weights ? weights->weightsPath() : nn::kNoWeights;
    return o;
}

const nn::ZooEntry* TrainForm::selectedEntry() const {
    if (!zoo_) return nullptr;
    const QString name = weights_->currentData().toString();
    return name.isEmpty() ? nullptr : zoo_->find(name.toStdString());
}

void TrainForm::refreshWeights() {
    const QString arch = arch_->currentData().toString();
    const QSignalBlocker block(weights_);
    weights_->clear();
    weights_->addItem(tr("Nothing (random start)"), QString());
    int preferred = 0;
    if (zoo_) {
        const nn::WeightsCache cache;
        for (const auto& e : zoo_->entries()) {
            if (QString::fromStdString(e.arch) != arch) continue;
            const bool have = cache.has(e);
            QString text = tr("ImageNet pretrained: %1").arg(QString::fromStdString(e.name));
            text += have ? tr(" (on this computer)") : tr(" (not downloaded)");
            weights_->addItem(text, QString::fromStdString(e.name));
            if ((have && preferred == 0) || (e.defaultForArch && preferred == 0)) preferred = weights_->count() - 1;
        }
    }
    weights_->setCurrentIndex(preferred);
    updateWeightsStatus();
}

void TrainForm::updateWeightsStatus() {
    const nn::ZooEntry* e = selectedEntry();
    const bool busy = weightsJob_ != 0;
    downloadButton_->setVisible(e != nullptr);
    useFile_->setVisible(e != nullptr);
    if (!zoo_) {
        weightsStatus_->setText(tr("The list of pretrained weights was not found, so training starts from "
                                   "scratch.\n%1").arg(zooError_));
        return;
    }
    if (!e) {
        weightsStatus_->setText(tr("Training from scratch needs many photos per class and many epochs. Pretrained "
                                   "weights are strongly recommended."));
        return;
    }
    const nn::WeightsCache cache;
    const auto st = cache.status(*e);
    QString text;
    switch (st.state) {
    case nn::CacheState::Present:
    case nn::CacheState::Verified:
        text = tr("Ready: %1 (%2).").arg(QString::fromStdString(st.path.filename().string()), megabytes(st.bytes));
        break;
    case nn::CacheState::Partial:
        text = tr("Partly downloaded (%1 so far); Download continues where it stopped.").arg(megabytes(st.bytes));
        break;
    case nn::CacheState::Corrupt:
        text = tr("The file on this computer is damaged (%1); download it again.")
                   .arg(QString::fromStdString(st.message));
        break;
    case nn::CacheState::Missing:
        // First run: say plainly that nothing is here yet and what each choice means.
        text = tr("No pretrained weights for this network are on this computer yet. Download them once "
                  "(%1needs the internet) or use a file copied from another computer. Until then training "
                  "starts from scratch.")
                   .arg(e->sizeBytes > 0 ? megabytes(e->sizeBytes) + QStringLiteral(", ") : QString());
        break;
    }
    weightsStatus_->setText(text);
    const bool have = st.state == nn::CacheState::Present || st.state == nn::CacheState::Verified;
    downloadButton_->setEnabled(!busy && !have);
    useFile_->setEnabled(!busy);
}

void TrainForm::updateLrText() {
    learn::TrainOptions o = options();
    o.lr = 0.0;
    if (o.batchSize > 0) {
        lr_->setSpecialValueText(tr("automatic (%1)").arg(learn::Trainer::defaultLr(o), 0, 'g', 3));
        return;
    }
    // The automatic batch depends on the collection (Trainer::automaticBatch), and from scratch the rate with it.
    o.batchSize = 32;
    const double large = learn::Trainer::defaultLr(o);
    o.batchSize = 16;
    const double small = learn::Trainer::defaultLr(o);
    lr_->setSpecialValueText(large == small ? tr("automatic (%1)").arg(large, 0, 'g', 3)
                                            : tr("automatic (%1; %2 below 256 photos)")
                                                  .arg(large, 0, 'g', 3)
                                                  .arg(small, 0, 'g', 3));
}

void TrainForm::startDownload() {
    const nn::ZooEntry* e = selectedEntry();
    if (!e) return;
    const nn::ZooEntry entry = *e;
    runWeightsJob(tr("Downloading"), [entry](const JobContext& ctx) { return nn::WeightsCache().download(entry, ctx); });
}

void TrainForm::importFile() {
    const nn::ZooEntry* e = selectedEntry();
    if (!e) return;
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Use a Weights File"), QString(),
        tr("PyTorch weights (%1 *.pth *.safetensors);;All files (*)").arg(QString::fromStdString(e->fileName)));
    if (file.isEmpty()) return;
    const nn::ZooEntry entry = *e;
    const std::filesystem::path path = file.toStdString();
    runWeightsJob(tr("Checking"),
                  [entry, path](const JobContext& ctx) { return nn::WeightsCache().importFile(entry, path, ctx); });
}

void TrainForm::runWeightsJob(const QString& what,
                              std::function<Expected<std::filesystem::path>(const JobContext&)> job) {
    if (weightsJob_ != 0) return;
    downloadBar_->setRange(0, 0);
    downloadBar_->setFormat(what + QStringLiteral(" %p%"));
    downloadBar_->show();
    cancelDownload_->show();
    downloadButton_->setEnabled(false);
    useFile_->setEnabled(false);
    weightsJob_ = jobs_
                      ->run(tr("%1 the pretrained weights").arg(what), this,
                            [job](const JobContext& ctx) {
                                auto r = job(ctx);
                                return r.ok() ? JobResult{QString(), QString::fromStdString(r->string())}
                                              : JobResult{QString::fromStdString(r.error()), QString()};
                            },
                            [this](const JobResult& result) { onWeightsJobDone(result); })
                      ->id();
}

void TrainForm::onWeightsJobDone(const JobResult& r) {
    weightsJob_ = 0;
    downloadBar_->hide();
    cancelDownload_->hide();
    const QString keep = weights_->currentData().toString();
    refreshWeights();
    const int i = weights_->findData(keep);
    if (i >= 0) weights_->setCurrentIndex(i);
    if (!r.error.isEmpty()) weightsStatus_->setText(weightsStatus_->text() + QStringLiteral("\n") + r.error);
    else if (!r.path.isEmpty()) emit weightsAvailable(r.path);
}

void TrainForm::setPreviewImage(const QString& absolutePath) {
    if (absolutePath == previewPath_) return;
    previewPath_ = absolutePath;
    refreshPreview();
}

void TrainForm::refreshPreview() {
    if (previewPath_.isEmpty()) return;
    if (previewing_) {
        previewAgain_ = true;  // one more pass with the newest settings when this one ends
        return;
    }
    previewNote_->setText(tr("What the network may see of %1 during training.").arg(QFileInfo(previewPath_).fileName()));
    const std::string path = previewPath_.toStdString();
    const learn::AugmentPreset p = learn::AugmentPreset(augment_->currentData().toInt());
    const learn::Framing framing = centreOnFind_->isChecked() ? learn::Framing::Find : learn::Framing::Photo;
    const uint64_t seed = uint64_t(seed_->value());
    previewing_ = true;
    auto work = [path, p, framing, seed](const JobContext&) {
        QVector<QImage> out;
        // The decoder training uses: EXIF orientation applied, enough pixels for the find's box.
        imaging::DecodeOptions decode;
        decode.minLongSide = kPreviewSize * (framing == learn::Framing::Find ? learn::kFindDecodeFactor : 2);
        auto rgb = imaging::ImageDecoder::decode(path, decode);
        if (!rgb) return out;
        auto views = learn::augmentPreviews(*rgb, kPreviewCount, p, framing, seed, kPreviewSize);
        if (!views.ok()) return out;
        for (const cv::Mat& v : *views) out << toQImage(v);
        return out;
    };
    jobs_->run(tr("Augmentation preview"), this, std::move(work), [this](const QVector<QImage>& images) {
        previewing_ = false;
        previewImages_ = images;
        for (int i = 0; i < previewCells_.size(); ++i)
            previewCells_[i]->setPixmap(i < previewImages_.size() ? QPixmap::fromImage(previewImages_[i]) : QPixmap());
        if (previewAgain_) {
            previewAgain_ = false;
            refreshPreview();
        }
        emit previewUpdated();
    }, JobRunner::Listing::Hidden);
}

}  // namespace tessera::ui
