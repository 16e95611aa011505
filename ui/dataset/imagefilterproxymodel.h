#pragma once
// Filters and sorts the image grid: by class, unlabelled, labelled, flagged, predicted class, "the model disagrees
// with the label", disputed labels, a confidence bound that combines with any of these, and a file-name search; sorted by name,
// class, file size, resolution or confidence. Reads ImageListModel's rows directly (no QVariant per comparison) so
// that 100,000 rows filter and sort in well under a second; other source models are read through their roles.
#include <QSortFilterProxyModel>
#include <QString>

#include <optional>

namespace tessera::ui {

class ImageListModel;

class ImageFilterProxyModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    // PredictedAs uses the class id argument like Class; Disagrees = labelled, predicted, and the two differ.
    // PossiblyMislabelled: the label check's standing flags (ImageListModel::SuggestedClassIdRole).
    enum class Filter { All, Class, Unlabelled, Labelled, Flagged, PredictedAs, Disagrees, Disputed, PossiblyMislabelled };
    // Confidence: least confident first, images without a prediction after all predicted ones.
    enum class SortKey { Name, Class, FileSize, Resolution, Confidence };

    explicit ImageFilterProxyModel(QObject* parent = nullptr);

    void setSourceModel(QAbstractItemModel* sourceModel) override;

    void setFilter(Filter filter, qint64 classId = 0);
    Filter filter() const { return filter_; }
    qint64 filterClassId() const { return classId_; }
    // Keeps only images whose top-1 confidence is strictly below `bound` (0..1); images without a prediction are
    // hidden while a bound is set. std::nullopt removes the bound.
    void setConfidenceBelow(std::optional<double> bound);
    std::optional<double> confidenceBelow() const { return confidenceBelow_; }
    void setSearchText(const QString& text);
    QString searchText() const { return search_; }
    void setSortKey(SortKey key, Qt::SortOrder order = Qt::AscendingOrder);
    SortKey sortKey() const { return sortKey_; }

    // True for the filters and sort keys that mean nothing without predictions.
    static bool needsPredictions(Filter filter) { return filter == Filter::PredictedAs || filter == Filter::Disagrees; }
    static bool needsPredictions(SortKey key) { return key == SortKey::Confidence; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    struct RowFacts {
        qint64 classId = 0;
        qint64 predictedClassId = 0;
        float confidence = -1.f;  // -1: no prediction
        uint flags = 0;
        bool disputed = false;
        qint64 suggestedClassId = 0;
    };
    RowFacts factsOf(const QModelIndex& sourceIndex) const;
    bool dependsOnPredictions() const;
    void refilter();
    QString relPathOf(const QModelIndex& sourceIndex) const;

    const ImageListModel* images_ = nullptr;  // the source when it is an ImageListModel: the fast path
    Filter filter_ = Filter::All;
    qint64 classId_ = 0;
    std::optional<double> confidenceBelow_;
    QString search_;
    SortKey sortKey_ = SortKey::Name;
    bool pausedDynamic_ = false;  // dynamic sort/filter is off while the source re-reads its predictions
};

}  // namespace tessera::ui
