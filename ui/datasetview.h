#pragma once
// Dataset mode: the class panel, the thumbnail grid with its filter bar, and the viewer pane. Keys 1-9 label the
// selected images with the class of that key (multi-selection = bulk assign), 0 clears; each is one undo step.
#include <QVector>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QSlider;

namespace tessera::ui {

class ClassPanel;
class ImageFilterProxyModel;
class ImageListModel;
class ImageViewer;
class ProjectDocument;
class ThumbnailDelegate;

class DatasetView : public QWidget {
    Q_OBJECT
public:
    DatasetView(ProjectDocument* document, ImageListModel* images, QWidget* parent = nullptr);

    QListView* listView() const { return list_; }
    ImageFilterProxyModel* proxy() const { return proxy_; }
    ClassPanel* classPanel() const { return classes_; }
    ImageViewer* viewer() const { return viewer_; }

    QVector<qint64> selectedImageIds() const;
    // Labels the selection (classId 0 clears). Returns false when nothing is selected.
    bool assignClassToSelection(qint64 classId);
    // Shows these images: clears filters that would hide them, selects them and scrolls to the first.
    void selectImages(const QVector<qint64>& imageIds);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildFilterCombo();
    void applyFilterCombo();
    void onCurrentChanged();
    void updateSummary();

    ProjectDocument* document_;
    ImageListModel* images_;
    ImageFilterProxyModel* proxy_;
    ThumbnailDelegate* delegate_;
    QListView* list_;
    ClassPanel* classes_;
    ImageViewer* viewer_;
    QLineEdit* search_;
    QComboBox* filter_;
    QComboBox* sort_;
    QSlider* size_;
    QLabel* summary_;
};

}  // namespace tessera::ui
