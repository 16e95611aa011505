#pragma once
// The left side of Train mode: what to train and how. Architecture, pretrained weights (status of each zoo entry,
// Download with progress and cancel, "Use file…" for an offline copy), the fine-tuning mode explained in plain words,
// epochs, image size, batch size, learning rate (automatic by default), augmentation with a preview grid of the
// selected photo, seed and device. Downloads, imports and previews run off the GUI thread.
#include <QImage>
#include <QVector>
#include <QWidget>

#include <optional>

#include "core/train/trainer.h"
#include "core/nn/modelzoo.h"
#include "core/util/jobcontext.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QGroupBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace tessera::ui {

class JobRunner;

class TrainForm : public QWidget {
    Q_OBJECT
public:
    static constexpr int kPreviewCount = 8;
    static constexpr int kPreviewSize = 88;

    // Downloads, imports and previews run as jobs of `jobs` (the project document's runner).
    explicit TrainForm(JobRunner* jobs, QWidget* parent = nullptr);
    ~TrainForm() override;

    learn::TrainOptions options() const;
    void setOptions(const learn::TrainOptions& options);  // the fields it can show; weights stay as chosen
    void setPreviewImage(const QString& absolutePath);    // the photo the augmentation preview shows
    bool isDownloading() const { return weightsJob_ != 0; }
    int previewCount() const { return previewImages_.size(); }
    QString modeHint() const;  // the explanation shown under the mode, with any warning
    QString weightsStatusText() const;  // the line under "Start from:" (state of the chosen weights, last error)
    bool selectWeights(const QString& zooName);  // picks that zoo entry (switching the network); false if unknown
    bool includeDisputed() const;                // "Train on disputed labels too" (off by default)
    void setIncludeDisputed(bool include);

    // Plain-language explanation of a fine-tuning mode, for archaeologists rather than ML people.
    static QString modeExplanation(learn::TrainMode mode);

signals:
    void previewUpdated();
    // A weights file entered the cache (a download or "Use file…" finished and verified): whatever waits for
    // pretrained weights (the Review mode's quick model) can start on it now instead of at its next refresh.
    void weightsAvailable(const QString& path);
    void includeDisputedChanged(bool include);  // which photos a run would read changed

private:
    // The constructor's parts.
    QGroupBox* createModelBox();
    QGroupBox* createRunBox();
    QGroupBox* createPreviewBox();
    void connectControls();
    struct JobResult {
        QString error;
        QString path;
    };
    void refreshWeights();
    void updateWeightsStatus();
    void updateLrText();
    void updateModeHelp();
    void startDownload();
    void importFile();
    void runWeightsJob(const QString& what, std::function<Expected<std::filesystem::path>(const JobContext&)> job);
    void onWeightsJobDone(const JobResult& result);
    void refreshPreview();
    const nn::ZooEntry* selectedEntry() const;

    std::optional<nn::ModelZoo> zoo_;
    QString zooError_;
    QComboBox *arch_, *weights_, *mode_, *augment_, *device_;
    QCheckBox *centreOnFind_, *includeDisputed_;
    QLabel *weightsStatus_, *modeHelp_, *previewNote_;
    QPushButton *downloadButton_, *cancelDownload_, *useFile_;
    QProgressBar* downloadBar_;
    QSpinBox *epochs_, *imageSize_, *batch_, *seed_;
    QDoubleSpinBox* lr_;
    QGridLayout* previewGrid_;
    QVector<QLabel*> previewCells_;
    QVector<QImage> previewImages_;
    QString previewPath_;
    JobRunner* jobs_;
    int weightsJob_ = 0;  // the running download or import of weights; 0 for none
    bool previewing_ = false;
    bool previewAgain_ = false;
};

}  // namespace tessera::ui
